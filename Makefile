# `make test` installs everything the suite needs (Debian's chromium and nginx when missing) and
# runs it all.
PYTHON ?= python3

.PHONY: test deps bench run serve

deps:
	command -v chromium >/dev/null 2>&1 || (apt-get update && apt-get install -y chromium)
	[ -x /usr/sbin/nginx ] || command -v nginx >/dev/null 2>&1 || (apt-get update && apt-get install -y nginx)
	$(PYTHON) -m pip install -q -r requirements.txt -r requirements-test.txt

test: deps
	$(PYTHON) -m pytest

bench:
	$(PYTHON) -m bench

run:
	$(PYTHON) -m streamlit run app.py

serve:
	deploy/serve.sh
