from tradeguard.cli.main import main

main()
