// cxloopd: the cxloop server process.
#include <iostream>  // POCO_SERVER_MAIN reports uncaught exceptions on std::cerr

#include "app/server_application.hpp"

POCO_SERVER_MAIN(cxloop::app::ServerApplication)
