"""A deterministic replica of 九龙网 (generator + HTTP server/proxy) for tests and the demo."""
