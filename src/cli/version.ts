/** The version this build reports (package.json's), kept here so that `nomad version` reads no file. */
export const NOMAD_VERSION = '0.1.0';
