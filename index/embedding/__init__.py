"""The embedding model: provisioning it offline and encoding passages and queries."""
