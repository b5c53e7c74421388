"""The Digits page: an MLP or a CNN trained live on handwritten digits, what it sees, and a
canvas to draw a digit for it."""
