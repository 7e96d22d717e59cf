"""Through time: a vanilla RNN, an LSTM and a GRU trained side by side on sequence tasks
whose one dependency spans the whole sequence.

In a recurrent net the deep direction is time: the gradient that reaches step 1 of a
sequence is a product of one factor per step (Hochreiter et al. 2001, "Gradient flow in
recurrent nets"). `run_recurrent` trains every cell × seed of a `RecurrentConfig` and
measures ‖∂L/∂h_t‖ at every step t on a fixed probe batch, through every path (for the
LSTM also through its cell state c_t), at epoch 0 and after every epoch.

Each net is torch's own: `nn.RNN` / `nn.LSTM` / `nn.GRU` train and evaluate it (one fused
loop per sequence, faster than stepping by hand), and the matching `nn.RNNCell` /
`LSTMCell` / `GRUCell`, holding the very same Parameter objects, is stepped by hand on the
probe batch so that every h_t is a tensor whose gradient can be read.

Frames (plain floats; the column contracts charts, pages and the CLI rely on):
- history:    cell, seed, epoch, split ('train'/'test'), loss, accuracy
- time_grads: cell, seed, epoch, t (1..seq_len), grad_norm
- summary:    cell, seed, final_train_loss, final_test_loss, final_train_accuracy,
              final_test_accuracy, time_ratio, solved_at, diverged_at, last_epoch

Same rules as the MLP engine: one frozen validated config, caps for a shared 2-core
server, a progress callback, the same config -> identical numbers, divergence recorded
(never raised). The analyses of these frames (time ratio, solved epoch, sentences, the
sweep over sequence lengths) are in `.results`.
"""
from __future__ import annotations

from .tasks import (ADDING_TOLERANCE, CELLS, Cell, EVAL_CHUNK_STEPS, MAX_CELL_STEPS,
                    MAX_SEQ_LEN, PROBE_SEQUENCES, SOLVED_ACCURACY, TASKS, Task)
from .config import RecurrentConfig, cell_steps, count_parameters, eval_chunk
from .net import RecurrentNet, correct, sample_losses, time_grad_norms
from .train import RecurrentProgress, make_data, nets_of, run_recurrent
from .results import (HISTORY_COLUMNS, Net, RecurrentResult, SOLVED_COLUMNS,
                      SUMMARY_COLUMNS, SWEEP_COLUMNS, TIME_GRAD_COLUMNS, cell_label,
                      cell_order, forget_gate_carry, length_sweep, ratio_phrase,
                      ratio_sentences, solved_at, solved_counts, solved_sentences,
                      ratio_counts, time_ratio)
from .kind import RECURRENT, summary_text
__all__ = ["RECURRENT", "summary_text", "RecurrentConfig", "RecurrentResult", "RecurrentProgress",
           "RecurrentNet", "CELLS", "TASKS", "Cell", "Task", "Net", "run_recurrent",
           "make_data", "nets_of", "count_parameters", "cell_steps", "eval_chunk",
           "time_grad_norms",
           "sample_losses", "correct", "time_ratio", "solved_at", "solved_counts",
           "ratio_phrase", "ratio_sentences", "ratio_counts", "solved_sentences",
           "cell_label", "cell_order", "length_sweep",
           "forget_gate_carry", "SOLVED_COLUMNS",
           "HISTORY_COLUMNS", "TIME_GRAD_COLUMNS", "SUMMARY_COLUMNS", "SWEEP_COLUMNS",
           "MAX_SEQ_LEN", "MAX_CELL_STEPS", "EVAL_CHUNK_STEPS", "SOLVED_ACCURACY",
           "ADDING_TOLERANCE", "PROBE_SEQUENCES"]
