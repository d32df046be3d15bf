from recap_mailer.cli import run

run()
