# Two commands a new user needs (see README): `make run` and `make test`.
.PHONY: setup run demo test bench clean-venv

setup:
	@bash scripts/setup.sh

run: setup
	@.venv/bin/aac run $(ARGS)

demo: setup
	@.venv/bin/aac simulate --text-file tests/data/demo_sentences.txt --frames docs/demo-frames --json

test: setup
	@bash scripts/test.sh $(ARGS)

bench: setup
	@.venv/bin/aac bench ks --limit 100 && .venv/bin/aac bench latency

clean-venv:
	rm -rf .venv
