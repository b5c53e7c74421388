"""The live-training framework every training page shares: the per-session runner and the
process's training scheduler, the frames the browser fetches while training plays, the in-place
chart components, the transport bar and live panel, and widgets made from the engine's settings
fields."""
