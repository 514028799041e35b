from sealfile.cli import main

main()
