"""Workshop — Compare runs: a leader overlays the runs participants uploaded."""
import pandas as pd
import streamlit as st

from app.blocks import cells, chart, page_intro
from vgcore import charts
from vgcore.workshop.uploads import (MAX_BYTES, overlay_frame, parse_run_file,
                                     same_name_notes, summarize_runs)

page_intro("Compare runs",
           "everyone's curves on one chart. Participants download **History (CSV)** under "
           "any lesson or exercise (or run `python -m vgcore run --json`) and send you the "
           "file; upload them all here. Files are read as data only and checked row by row.")
# No type filter: the uploader would refuse another extension with a reason shown only on
# hover; every file is read here instead, and what is wrong with it is said on the page.
files = st.file_uploader("Run files (History CSV or --json output)",
                         accept_multiple_files=True, key="run_files",
                         max_upload_size=max(MAX_BYTES // 2**20, 1))
frames = []      # (file name, history): files that share a name are still separate runs
for upload in files or []:
    try:
        frames.append((upload.name, parse_run_file(upload.name, upload.getvalue())))
    except ValueError as err:
        st.error(f"Skipped {err}", icon=":material/error:")

if not frames:
    st.info("No valid run files yet.", icon=":material/upload_file:")
else:
    runs = overlay_frame(frames)
    for note in same_name_notes(frames):
        st.info(note, icon=":material/content_copy:")
    c1, c2 = st.columns(2)
    metric = c1.radio("Metric", ["loss", "accuracy"], horizontal=True, key="cmp_metric")
    split = c2.radio("Split", ["test", "train", "both"], horizontal=True, key="cmp_split")
    chart(charts.overlay_chart(runs, metric, None if split == "both" else split,
                               series="run", log_y=metric == "loss"))
    st.subheader("Final numbers per run")
    s = summarize_runs(runs)
    st.dataframe(pd.DataFrame({
        "run": s["run"], "activation": s["activation"].map(charts.activation_label),
        "seed": s["seed"], "epochs": s["last_epoch"],
        "best test epoch": cells(s["best_test_epoch"], "{:.0f}"),
        "train loss": cells(s["final_train_loss"], "{:.3f}"),
        "test loss": cells(s["final_test_loss"], "{:.3f}"),
        "train accuracy": cells(s["final_train_accuracy"], "{:.1%}"),
        "test accuracy": cells(s["final_test_accuracy"], "{:.1%}")}), hide_index=True,
        column_config={"run": st.column_config.TextColumn(width="large")})
