"""Workshop — Compare runs: a leader overlays the runs participants uploaded."""
import hashlib

import pandas as pd
import streamlit as st

from app.blocks import cells, chart, page_intro
from app.widgets import in_this_language
from vgcore import charts
from vgcore.i18n import N_, language, tr
from vgcore.workshop.uploads import (MAX_BYTES, MAX_FILES, overlay_frame, parse_run_file,
                                     same_name_notes, skipped_note, summarize_runs,
                                     uploaded_runs, within_caps)

# The radios' options are data names; each is shown by its label, in the reader's language.
METRICS = {"loss": N_("loss"), "accuracy": N_("accuracy")}
SPLITS = {"test": N_("test"), "train": N_("train"), "both": N_("both")}

page_intro(tr("Compare runs"),
           tr("everyone's curves on one chart. Participants download **History (CSV)** "
              "under any lesson or exercise (or run `python -m vgcore run --json`) and send "
              "you the file; upload them all here. Files are read as data only and checked "
              "row by row."))


# A file is parsed once per content (SHA-256), name (its messages name it) and language
# (they are words), not on every rerun; a refusal is cached too. Global, so the bound is
# the server's.
@st.cache_data(max_entries=4 * MAX_FILES, max_size="64MB",
               show_spinner=tr("Reading the run files…"))
def _parsed(digest: str, name: str, lang: str, _data: bytes
            ) -> tuple[pd.DataFrame | None, str | None]:
    """(history, None) or (None, why it was refused) for one uploaded file."""
    try:
        return parse_run_file(name, _data), None
    except ValueError as err:
        return None, str(err)


# No type filter: the uploader would refuse another extension with a reason shown only on
# hover; every file is read here instead, and what is wrong with it is said on the page.
files = st.file_uploader(tr("Run files (History CSV or --json output)"),
                         accept_multiple_files=True, key="run_files",
                         max_upload_size=max(MAX_BYTES // 2**20, 1)) or []
kept, skipped = within_caps([f.size for f in files])
if skipped:
    st.warning(skipped_note([files[i].name for i in skipped], len(files)),
               icon=":material/block:")
frames = []      # (file name, history): files that share a name are still separate runs
for upload in (files[i] for i in kept):
    data = upload.getvalue()
    frame, problem = _parsed(hashlib.sha256(data).hexdigest(), upload.name, language(),
                             data)
    if problem:                                                    # names quoted (inert)
        st.error(tr("Skipped {problem}", problem=problem), icon=":material/error:")
    else:
        frames.append((upload.name, frame))

if not frames:
    st.info(tr("No valid run files yet."), icon=":material/upload_file:")
else:
    runs = overlay_frame(frames)      # run labels: uploads.short_names, one line, bounded
    for note in same_name_notes(frames):
        st.info(note, icon=":material/content_copy:")
    c1, c2 = st.columns(2)
    metric = c1.radio(tr("Metric"), list(METRICS), horizontal=True, key="cmp_metric",
                      format_func=in_this_language(lambda m: tr(METRICS[m])))
    split = c2.radio(tr("Split"), list(SPLITS), horizontal=True, key="cmp_split",
                     format_func=in_this_language(lambda s: tr(SPLITS[s])))
    chart(charts.overlay_chart(runs, metric, None if split == "both" else split,
                               series="run", log_y=metric == "loss"))
    # The uploader's chips cut every name to "exercis...istory.csv": this says which file
    # each run on the chart and in the table is. Cells are text, never Markdown.
    st.subheader(tr("Runs and their files"))
    st.caption(tr("Each run is named by what sets its file's name apart: the words at the "
                  "start and end that every file name shares are left out."))
    st.dataframe(uploaded_runs([name for name, _ in frames]).rename(
        columns={"run": tr("run"), "file": tr("file")}), hide_index=True, height="content")
    st.subheader(tr("Final numbers per run"))
    s = summarize_runs(runs)
    # every row shown (height "content"); a table's cells are text, never Markdown: a run
    # named "[x](…)" reads as typed
    st.dataframe(pd.DataFrame({
        tr("run"): s["run"], tr("activation"): s["activation"].map(charts.activation_label),
        tr("seed"): s["seed"], tr("epochs"): s["last_epoch"],
        tr("best test epoch"): cells(s["best_test_epoch"], "{:.0f}"),
        tr("train loss"): cells(s["final_train_loss"], "{:.3f}"),
        tr("test loss"): cells(s["final_test_loss"], "{:.3f}"),
        tr("train accuracy"): cells(s["final_train_accuracy"], "{:.1%}"),
        tr("test accuracy"): cells(s["final_test_accuracy"], "{:.1%}")}), hide_index=True,
        height="content")
