"""Protection of the people in the training table: no copied rows, rare values hidden,
differential privacy for the networks. See docs/PRIVACY.md for what each part covers."""
