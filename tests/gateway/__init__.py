"""Gateway tests: a real uvicorn process on a loopback port, requests by httpx."""
