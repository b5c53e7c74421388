"""The GAN page: its state, controls, runner, views and panels."""
