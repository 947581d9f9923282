"""Speech to text: media decoding, whisperX with the bundled VAD, guards, subtitles."""
