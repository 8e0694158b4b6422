"""Renewals: Contract, Renewal, checkpoints, forecast, the expansion pipeline, GRR and NRR."""
