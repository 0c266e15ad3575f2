// librsvg renders the SVG figures to PNG (Debian: librsvg2-dev, which brings cairo and glib).
#include <librsvg/rsvg.h>
#include <cairo.h>
