# Two commands a new user needs (see README): `make run` and `make test`.
.PHONY: setup run demo test bench wheel screenshots clean-venv

# Generated things live outside the clone (the user cache), never in the repository.
AAC_CACHE := $(or $(AAC_CACHE_DIR),$(XDG_CACHE_HOME:%=%/aac),$(HOME)/.cache/aac)
DEMO_DIR ?= $(AAC_CACHE)/demo-frames

setup:
	@bash scripts/setup.sh

run: setup
	@.venv/bin/aac run $(ARGS)

# The simulated person writes the demo sentences on the real board; a PNG per activation.
demo: setup
	@rm -rf "$(DEMO_DIR)" && mkdir -p "$(DEMO_DIR)"
	@echo "demo: the simulated person writes tests/data/demo_sentences.txt (about 2 minutes); frames go to $(DEMO_DIR)"
	@AAC_PROGRESS=1 .venv/bin/aac simulate --text-file tests/data/demo_sentences.txt --frames "$(DEMO_DIR)" --json > "$(DEMO_DIR)/result.json"
	@echo "demo: $$(ls "$(DEMO_DIR)" | grep -c '\.png$$') frames in $(DEMO_DIR)/ (figures: $(DEMO_DIR)/result.json)"

test: setup
	@bash scripts/test.sh $(ARGS)

bench: setup
	@.venv/bin/aac bench ks --limit 100 && .venv/bin/aac bench latency

# The installable package (what `pip install` / `pipx install` take), checked like the test command does.
wheel: setup
	@bash scripts/wheel_smoke.sh

screenshots: setup
	@.venv/bin/aac screenshots docs/screenshots

clean-venv:
	rm -rf .venv
