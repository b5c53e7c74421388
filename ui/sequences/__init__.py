"""The Sequences page: recurrent networks (RNN, GRU, LSTM) trained live on sequence tasks, with
their memory and their gradients through time made visible."""
