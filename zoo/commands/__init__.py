"""One module per `aezoo` command; `zoo.cli` discovers them."""
