"""The recap.yaml format: reading it with positions, its value kinds and declaration, validation."""
