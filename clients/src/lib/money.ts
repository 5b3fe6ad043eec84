// Rupiah for Indonesia: `Rp 125.000` (no decimals; Intl's no-break space made a plain space).

const idr = new Intl.NumberFormat('id-ID', {
  style: 'currency',
  currency: 'IDR',
  minimumFractionDigits: 0,
  maximumFractionDigits: 0,
});

export function rupiah(amount: number): string {
  return idr.format(Math.round(amount)).replace(/\s/g, ' ');
}
