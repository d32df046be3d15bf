"""The reviewer's page and the live preview server."""
