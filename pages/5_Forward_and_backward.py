"""Learn: one forward and backward pass through a tiny network, one stage at a time."""

import streamlit as st

from engine import ACTIVATIONS, LOSSES
from ui.charts.learn.stepthrough import diagram
from ui.learn import common
from ui.learn import stepthrough as sth

presenter = common.setup("Forward and backward", keep=(*sth.DEFAULTS, "fb.batch"))
common.defaults(sth.DEFAULTS)
ss = st.session_state
intro, batch_text = common.text("forward_backward").split("\n---\n")
if presenter:
    with st.expander("What happens here"):
        st.markdown(intro)
else:
    st.markdown(intro)

with st.expander("The example and the network", expanded=not presenter):
    c = st.columns(4)
    c[0].radio("Network", sth.HIDDEN, key="fb.hidden", format_func=lambda h: f"2-{h}-1",
               horizontal=True, help="Two inputs, a hidden layer of 2 or 3 neurons, one "
                                     "sigmoid output.")
    c[1].selectbox("Hidden activation f", list(ACTIVATIONS), key="fb.act",
                   format_func=lambda a: ACTIVATIONS[a].label,
                   help="The function the hidden neurons apply to their sums.")
    c[2].selectbox("Loss", sth.sigmoid_losses(), key="fb.loss",
                   format_func=lambda n: LOSSES[n].label,
                   help="How the output p is compared with the label y.")
    c[3].select_slider("Learning rate α", sth.LRS, key="fb.lr",
                       help="The update moves each weight by α times its gradient.")
    c = st.columns(4)
    c[0].number_input("x₁", -3.0, 3.0, step=0.1, key="fb.x1",
                      help="The example's first input.")
    c[1].number_input("x₂", -3.0, 3.0, step=0.1, key="fb.x2",
                      help="The example's second input.")
    c[2].radio("Label y", (0, 1), key="fb.y", horizontal=True,
               help="The class the example belongs to: the output should be near it.")
    c[3].number_input("Seed (initial weights)", 0, 999, step=1, key="fb.seed",
                      help="Another seed draws other starting weights.")
setup = sth.Setup(ss["fb.hidden"], ss["fb.act"], ss["fb.loss"], (ss["fb.x1"], ss["fb.x2"]),
                  ss["fb.y"], ss["fb.lr"], int(ss["fb.seed"]))
trace = sth.trace(setup)
stages = sth.stages(trace)

c = st.columns([1, 1, 1, 5])
c[0].button("◀ Back", on_click=sth.go, args=(ss, -1), key="fb.back", width="stretch",
            disabled=ss["fb.stage"] == 0, help="The stage before.")
c[1].button("Next ▶", on_click=sth.go, args=(ss, 1), key="fb.next", type="primary",
            width="stretch", disabled=ss["fb.stage"] == sth.N_STAGES - 1,
            help="The next stage: one more number computed.")
c[2].button("Restart", on_click=sth.go, args=(ss, None), key="fb.restart", width="stretch",
            help="Back to the first stage.")
stage = ss["fb.stage"]
current = stages[stage]
c[3].progress(stage / (sth.N_STAGES - 1), text=f"Stage {stage + 1} of {sth.N_STAGES}: "
              f"{current.title}")

# The diagram and the stage's numbers side by side: Next and its result on one screen.
left, right = st.columns([5, 4], gap="medium")
left.plotly_chart(diagram(trace, stage, common.chart_height(presenter)), key="fb.diagram")
with right:
    st.markdown(f"#### {current.title}")
    for line in current.lines:
        st.latex(line)
    if current.table:
        st.caption("Each gradient three ways: the chain rule above, the engine's "
                   "`loss_and_grads`, and a central finite difference of the engine's loss.")
        st.dataframe(sth.gradient_rows(trace, list(current.table)), hide_index=True)
        if sth.at_kink(trace):
            st.info("A hidden sum z sits at a kink of the activation, where its slope jumps. "
                    "The chain rule uses the engine's slope at z; the finite difference "
                    "averages the slopes on both sides, so the two can differ here.")
if stage:
    with st.expander("Earlier stages"):
        for s in stages[:stage]:
            st.markdown(f"**{s.title}**")
            for line in s.lines:
                st.latex(line)

st.subheader("A batch: the gradient is the average")
st.markdown(batch_text)
st.select_slider("Examples in the batch", (2, 3, 4), key="fb.batch",
                 help="How many examples the batch holds (the first is the one above).")
X, y = sth.batch(setup, ss["fb.batch"])
st.dataframe([{"example": i + 1, "x₁": f"{a:.2f}", "x₂": f"{b:.2f}", "y": int(c)}
              for i, (a, b, c) in enumerate(zip(X[:, 0], X[:, 1], y, strict=True))],
             hide_index=True)
st.dataframe(sth.batch_rows(setup, ss["fb.batch"]), hide_index=True)
