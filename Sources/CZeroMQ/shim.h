// ZeroMQ, the Jupyter kernel's transport (Debian: libzmq3-dev).
#include <zmq.h>
