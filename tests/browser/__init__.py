"""Browser tests: end-to-end flows, accessibility, HTML validity, screenshots."""
