/** Sizes as Nomad's CLI prints them (go-humanize's IBytes): "300 MiB", "6.3 MiB", "1.0 KiB", "512 B". */

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];

export function formatBytes(bytes: number): string {
  if (bytes < 10) return `${Math.max(0, Math.floor(bytes))} B`;
  const e = Math.min(Math.floor(Math.log(bytes) / Math.log(1024)), UNITS.length - 1);
  // Rounded to one decimal first; below 10 the decimal shows, above it does not.
  const value = Math.floor((bytes / 1024 ** e) * 10 + 0.5) / 10;
  return `${value < 10 ? value.toFixed(1) : value.toFixed(0)} ${UNITS[e]}`;
}

export function formatMiB(mib: number): string {
  return formatBytes(mib * 1024 * 1024);
}
