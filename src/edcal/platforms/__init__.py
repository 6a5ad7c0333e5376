"""Platform adapters: one module per platform, all behind the protocol in `base`."""
