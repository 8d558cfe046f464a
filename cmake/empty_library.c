/* Stand-in for libopencv_highgui: LibTorch lists it as needed but calls nothing in it. */
int strata_highgui_shield_marker(void) { return 0; }
