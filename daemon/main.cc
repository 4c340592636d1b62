#include "daemon/cli/commands.h"

int main(int argc, char** argv) { return slamon::daemon::RunCli(argc, argv); }
