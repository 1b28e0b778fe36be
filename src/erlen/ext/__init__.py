"""First-party batteries: Flask extensions' APIs on erlen, without Flask."""
