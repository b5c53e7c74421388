"""The Attention page: a small transformer trained live on token tasks, its attention maps
forming as it learns, a sequence of your own, and one head step by step."""
