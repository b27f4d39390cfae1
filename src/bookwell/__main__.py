from bookwell.cli import main

main()
