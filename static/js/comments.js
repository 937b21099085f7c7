/* Comments on the song page: stamped with the playhead, markers on the waveform, live. */
