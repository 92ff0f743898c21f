#ifndef EDGE_CARCHIVE_SHIM_H
#define EDGE_CARCHIVE_SHIM_H
#include <archive.h>
#include <archive_entry.h>

/* File-type macros are casts, which Swift does not import. */
static const unsigned int EDGE_AE_IFREG = (unsigned int)AE_IFREG;
static const unsigned int EDGE_AE_IFDIR = (unsigned int)AE_IFDIR;
static const unsigned int EDGE_AE_IFLNK = (unsigned int)AE_IFLNK;
#endif
