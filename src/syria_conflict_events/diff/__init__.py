"""`sce diff`: two releases compared row by row (``rows``), read from a directory or a zip
(``snapshot``), and the SemVer level the changes require (``semver``)."""
