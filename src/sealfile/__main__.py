from sealfile.cli import console

console()
