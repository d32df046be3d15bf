from recap_mailer.cli import main

main()
