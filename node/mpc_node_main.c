/*
 * mpc_node_main.c — the mpc-node program: `mpc-node -c FILE` (node/daemon.h).
 */
#include "node/daemon.h"

int
main(int argc, char **argv)
{
    return node_daemon_main(argc, argv);
}
