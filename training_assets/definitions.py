import dagster as dg

# The training pipeline (mnist_dataset -> trained_model -> training_log) lands here; the code
# location already exists so workspace.yaml and the UI show both domains.
defs = dg.Definitions()
