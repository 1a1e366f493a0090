"""``python -m mistral_client``: the ``mistral-client`` command line."""

from mistral_client.cli import main

if __name__ == "__main__":
    main(prog_name="mistral-client")
