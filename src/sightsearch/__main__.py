from sightsearch.cli import main

main()
