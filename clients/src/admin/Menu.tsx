// Menu: stations; categories (order, routed to a station); products with every field, a photo
// (preview, size checked here, the server's 413 message shown in place) and 86 / back in one tap.

import { useEffect, useState } from 'preact/hooks';
import { api, apiUpload, MAX_UPLOAD_BYTES } from '../lib/api';
import { checkProduct, parseIntIn, STATION_CODE_RE, type Errors, type ProductForm } from '../lib/forms';
import { t, useLang } from '../lib/i18n';
import { rupiah } from '../lib/money';
import type { Category, Product, Station } from '../lib/types';
import { AdminPage, Field, FormError, InlineText, serverMessage, splitServerError, tk } from './common';

const val = (e: Event) => (e.target as HTMLInputElement).value;

export function MenuAdmin() {
  useLang();
  const [stations, setStations] = useState<Station[]>([]);
  const [cats, setCats] = useState<Category[]>([]);
  const [products, setProducts] = useState<Product[]>([]);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [editing, setEditing] = useState<Product | 'new' | null>(null);
  // One editor per opening: saving a new product turns it into that product's editor in place.
  const [editorKey, setEditorKey] = useState(0);
  const open = (p: Product | 'new') => {
    setEditorKey((k) => k + 1);
    setEditing(p);
  };
  const [rowError, setRowError] = useState<Record<number, string>>({});

  const load = () =>
    Promise.all([api<Station[]>('GET', '/stations'), api<Category[]>('GET', '/categories'), api<Product[]>('GET', '/products')])
      .then(([s, c, p]) => {
        setStations(s);
        setCats(c);
        setProducts(p);
        setLoadError(null);
      })
      .catch((e) => setLoadError(serverMessage(e)));
  useEffect(() => void load(), []);

  const toggle86 = async (p: Product) => {
    try {
      const np = await api<Product>('PUT', `/products/${p.id}/availability`, { body: { is_available: !p.is_available } });
      setProducts((ps) => ps.map((x) => (x.id === np.id ? np : x)));
      setRowError((r) => ({ ...r, [p.id]: '' }));
    } catch (e) {
      setRowError((r) => ({ ...r, [p.id]: serverMessage(e) }));
    }
  };

  return (
    <AdminPage title={t('aMenu')} testid="admin-menu">
      <FormError msg={loadError} />
      <div class="admin-cols">
        <StationsPanel stations={stations} onChange={load} />
        <CategoriesPanel cats={cats} stations={stations} onChange={load} />
      </div>
      <section class="panel" aria-labelledby="prod-h">
        <div class="panel-head">
          <h2 id="prod-h">{t('aProducts')}</h2>
          <button type="button" class="btn btn-primary" data-testid="new-product" onClick={() => open('new')} disabled={cats.length === 0}>
            + {t('aNewProduct')}
          </button>
        </div>
        {editing && (
          <ProductEditor
            key={editorKey}
            product={editing === 'new' ? null : editing}
            cats={cats}
            stations={stations}
            onSaved={(p) => {
              setProducts((ps) => (ps.some((x) => x.id === p.id) ? ps.map((x) => (x.id === p.id ? p : x)) : [...ps, p]));
              setEditing(p);
            }}
            onClose={() => setEditing(null)}
          />
        )}
        <table class="grid" data-testid="product-list">
          <thead>
            <tr>
              <th>{t('aPhoto')}</th>
              <th>{t('aName')}</th>
              <th>{t('aCategory')}</th>
              <th class="num">{t('aPrice')}</th>
              <th>{t('aStation')}</th>
              <th>{t('aAvailable')}</th>
              <th>
                <span class="sr-only">{t('aEdit')}</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {products.map((p) => (
              <tr key={p.id} data-testid="product-row" data-name={p.name} data-available={String(p.is_available)}>
                <td>{p.image_url ? <img class="thumb" src={p.image_url} alt="" loading="lazy" /> : <span class="thumb thumb-empty" />}</td>
                <td>
                  <strong>{p.name}</strong>
                  {p.allergens.length > 0 && <div class="muted small">{p.allergens.join(', ')}</div>}
                </td>
                <td>{p.category_name}</td>
                <td class="num">{rupiah(p.price)}</td>
                <td>{p.station_code}{p.station_id !== null && <span class="badge">{t('aOverride')}</span>}</td>
                <td>
                  <button type="button" class={`btn ${p.is_available ? '' : 'btn-warn'}`} data-testid="toggle-86" onClick={() => void toggle86(p)}>
                    {p.is_available ? t('a86It') : t('aBackIn')}
                  </button>
                  {rowError[p.id] && <div class="field-error" role="alert">{rowError[p.id]}</div>}
                </td>
                <td>
                  <button type="button" class="btn btn-ghost" data-testid="edit-product" onClick={() => open(p)}>
                    {t('aEdit')}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
    </AdminPage>
  );
}

/** A name edited in place: saved on Enter or when the field is left, refused in place when empty. */

function StationsPanel({ stations, onChange }: { stations: Station[]; onChange: () => void }) {
  const [code, setCode] = useState('');
  const [name, setName] = useState('');
  const [errors, setErrors] = useState<Errors>({});
  const [msg, setMsg] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    const er: Errors = {};
    const c = code.trim().toLowerCase();
    if (!STATION_CODE_RE.test(c)) er.code = 'vStationCode';
    if (!name.trim()) er.name = 'vRequired';
    else if (name.trim().length > 60) er.name = 'vTooLong';
    setErrors(er);
    setMsg(null);
    if (Object.keys(er).length) return;
    setBusy(true);
    try {
      await api('POST', '/stations', { body: { code: c, name: name.trim() } });
      setCode('');
      setName('');
      onChange();
    } catch (x) {
      setMsg(serverMessage(x));
    } finally {
      setBusy(false);
    }
  };
  return (
    <section class="panel" aria-labelledby="st-h" data-testid="stations-panel">
      <h2 id="st-h">{t('aStations')}</h2>
      <ul class="rows">
        {stations.map((s) => (
          <li key={s.id}>
            <code>{s.code}</code>
            <InlineText value={s.name} max={60} label={t('aName')} save={async (name) => { await api('PATCH', `/stations/${s.id}`, { body: { name } }); onChange(); }} />
          </li>
        ))}
      </ul>
      <form class="form-row" onSubmit={submit} noValidate>
        <Field label={t('aCode')} error={tk(errors.code)}>
          <input value={code} onInput={(e) => setCode(val(e))} maxLength={32} placeholder="grill" />
        </Field>
        <Field label={t('aName')} error={tk(errors.name)}>
          <input value={name} onInput={(e) => setName(val(e))} maxLength={80} />
        </Field>
        <button class="btn" disabled={busy}>{t('aAdd')}</button>
      </form>
      <FormError msg={msg} />
    </section>
  );
}

function CategoriesPanel({ cats, stations, onChange }: { cats: Category[]; stations: Station[]; onChange: () => void }) {
  const [name, setName] = useState('');
  const [station, setStation] = useState('');
  const [order, setOrder] = useState('');
  const [errors, setErrors] = useState<Errors>({});
  const [msg, setMsg] = useState<string | null>(null);
  const [rowMsg, setRowMsg] = useState<Record<number, string>>({});
  const submit = async (e: Event) => {
    e.preventDefault();
    const er: Errors = {};
    if (!name.trim()) er.name = 'vRequired';
    else if (name.trim().length > 60) er.name = 'vTooLong';
    const sid = parseIntIn(station, 1, 2 ** 31 - 1);
    if (sid === null) er.station = 'vChoose';
    const so = order.trim() ? parseIntIn(order, -1_000_000, 1_000_000) : 0;
    if (so === null) er.order = 'vNumber';
    setErrors(er);
    setMsg(null);
    if (Object.keys(er).length) return;
    try {
      await api('POST', '/categories', { body: { name: name.trim(), station_id: sid, sort_order: so } });
      setName('');
      setOrder('');
      onChange();
    } catch (x) {
      const s = splitServerError(x, ['name']);
      if (s.field) setErrors({ name: s.msg as never });
      else setMsg(s.msg);
    }
  };
  const patch = async (c: Category, body: Record<string, unknown>) => {
    try {
      await api('PATCH', `/categories/${c.id}`, { body });
      setRowMsg((m) => ({ ...m, [c.id]: '' }));
      onChange();
    } catch (x) {
      setRowMsg((m) => ({ ...m, [c.id]: serverMessage(x) }));
    }
  };
  return (
    <section class="panel" aria-labelledby="cat-h" data-testid="categories-panel">
      <h2 id="cat-h">{t('aCategories')}</h2>
      <ul class="rows">
        {cats.map((c) => (
          <li key={c.id} data-testid="category-row" data-name={c.name}>
            <input
              class="order-input"
              aria-label={t('aOrder')}
              defaultValue={String(c.sort_order)}
              inputMode="numeric"
              onChange={(e) => {
                const n = parseIntIn(val(e), -1_000_000, 1_000_000);
                if (n === null) setRowMsg((m) => ({ ...m, [c.id]: t('vNumber') }));
                else if (n !== c.sort_order) void patch(c, { sort_order: n });
              }}
            />
            <InlineText value={c.name} max={60} label={t('aName')} save={async (name) => { await api('PATCH', `/categories/${c.id}`, { body: { name } }); onChange(); }} />
            <select aria-label={t('aStation')} value={String(c.station_id)} onChange={(e) => void patch(c, { station_id: Number(val(e)) })}>
              {stations.map((s) => (
                <option key={s.id} value={String(s.id)}>
                  {s.name}
                </option>
              ))}
            </select>
            {rowMsg[c.id] && <span class="field-error" role="alert">{rowMsg[c.id]}</span>}
          </li>
        ))}
      </ul>
      <form class="form-row" onSubmit={submit} noValidate data-testid="category-form">
        <Field label={t('aName')} error={tk(errors.name)}>
          <input name="name" value={name} onInput={(e) => setName(val(e))} maxLength={80} />
        </Field>
        <Field label={t('aStation')} error={tk(errors.station)}>
          <select name="station" value={station} onChange={(e) => setStation(val(e))}>
            <option value="">—</option>
            {stations.map((s) => (
              <option key={s.id} value={String(s.id)}>
                {s.name}
              </option>
            ))}
          </select>
        </Field>
        <Field label={t('aOrder')} error={tk(errors.order)}>
          <input name="order" value={order} onInput={(e) => setOrder(val(e))} inputMode="numeric" class="short" />
        </Field>
        <button class="btn" data-testid="add-category">{t('aAdd')}</button>
      </form>
      <FormError msg={msg} />
    </section>
  );
}

function formOf(p: Product | null, cats: Category[]): ProductForm {
  return {
    name: p?.name ?? '',
    description: p?.description ?? '',
    price: p ? String(p.price) : '',
    category_id: p ? String(p.category_id) : cats[0] ? String(cats[0].id) : '',
    station_id: p?.station_id ? String(p.station_id) : '',
    prep_minutes: p?.prep_minutes != null ? String(p.prep_minutes) : '',
    allergens: p?.allergens.join(', ') ?? '',
    modifiers: p?.modifiers.join(', ') ?? '',
  };
}

function ProductEditor({
  product,
  cats,
  stations,
  onSaved,
  onClose,
}: {
  product: Product | null;
  cats: Category[];
  stations: Station[];
  onSaved: (p: Product) => void;
  onClose: () => void;
}) {
  const [f, setF] = useState<ProductForm>(() => formOf(product, cats));
  const [errors, setErrors] = useState<Record<string, string | null>>({});
  const [msg, setMsg] = useState<string | null>(null);
  const [ok, setOk] = useState<string | null>(null);
  const [file, setFile] = useState<File | null>(null);
  const [preview, setPreview] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => () => void (preview && URL.revokeObjectURL(preview)), [preview]);
  const set = (k: keyof ProductForm) => (e: Event) => setF((x) => ({ ...x, [k]: val(e) }));

  const pick = (e: Event) => {
    const input = e.target as HTMLInputElement;
    const fl = input.files?.[0] ?? null;
    setErrors((x) => ({ ...x, image: null }));
    if (!fl) return;
    if (!/^image\/(png|jpeg|webp)$/.test(fl.type)) {
      setErrors((x) => ({ ...x, image: t('vImageType') }));
      setFile(null);
      return;
    }
    if (fl.size > MAX_UPLOAD_BYTES) {
      // Shown at once; the server would refuse it with 413 anyway.
      setErrors((x) => ({ ...x, image: t('vImageTooBig', { mb: (fl.size / 1048576).toFixed(1), max: MAX_UPLOAD_BYTES / 1048576 }) }));
      setFile(fl);
      setPreview(URL.createObjectURL(fl));
      return;
    }
    setFile(fl);
    setPreview(URL.createObjectURL(fl));
  };

  const save = async (e: Event) => {
    e.preventDefault();
    setMsg(null);
    setOk(null);
    const { errors: er, body } = checkProduct(f);
    const shown: Record<string, string | null> = {};
    for (const [k, v] of Object.entries(er)) shown[k] = tk(v);
    shown.image = errors.image ?? null;
    setErrors(shown);
    if (!body) return;
    setBusy(true);
    let saved: Product | null = product;
    try {
      if (product) {
        const patch: Record<string, unknown> = { ...body };
        if (body.prep_minutes === undefined) delete patch.prep_minutes;
        // "The category's station" removes an override (null); the server keeps absent fields.
        if (product.station_id !== null && body.station_id === undefined) patch.station_id = null;
        saved = await api<Product>('PATCH', `/products/${product.id}`, { body: patch });
      } else {
        saved = await api<Product>('POST', '/products', { body });
      }
      onSaved(saved);
    } catch (x) {
      const s = splitServerError(x, ['name', 'price', 'description', 'prep_minutes', 'allergens', 'modifiers']);
      if (s.field) setErrors((y) => ({ ...y, [s.field!]: s.msg }));
      else setMsg(s.msg);
      setBusy(false);
      return;
    }
    // The photo, if one was chosen: always sent (even over the limit, so the server's own
    // message is what is shown), the product itself is already saved.
    if (file && saved) {
      try {
        const withPhoto = await apiUpload<Product>(`/products/${saved.id}/image`, file, file.name || 'photo');
        onSaved(withPhoto);
        setFile(null);
        setErrors((y) => ({ ...y, image: null }));
      } catch (x) {
        setErrors((y) => ({ ...y, image: serverMessage(x) }));
        setBusy(false);
        return;
      }
    }
    setOk(t('aSaved'));
    setBusy(false);
  };

  return (
    <form class="editor" onSubmit={save} noValidate data-testid="product-editor">
      <h3>{product ? t('aEditProduct', { name: product.name }) : t('aNewProduct')}</h3>
      <div class="form-grid">
        <Field label={t('aName')} error={errors.name}>
          <input name="name" value={f.name} onInput={set('name')} maxLength={120} />
        </Field>
        <Field label={t('aPriceRp')} error={errors.price} hint={parseIntIn(f.price.replace(/\./g, ''), 0, 1e9) !== null ? rupiah(Number(f.price.replace(/\./g, ''))) : undefined}>
          <input name="price" value={f.price} onInput={set('price')} inputMode="numeric" placeholder="125.000" />
        </Field>
        <Field label={t('aCategory')} error={errors.category_id}>
          <select name="category" value={f.category_id} onChange={set('category_id')}>
            {cats.map((c) => (
              <option key={c.id} value={String(c.id)}>
                {c.name}
              </option>
            ))}
          </select>
        </Field>
        <Field label={t('aStationOverride')}>
          <select name="station" value={f.station_id} onChange={set('station_id')}>
            <option value="">{t('aCategoryStation')}</option>
            {stations.map((s) => (
              <option key={s.id} value={String(s.id)}>
                {s.name}
              </option>
            ))}
          </select>
        </Field>
        <Field label={t('aPrep')} error={errors.prep_minutes}>
          <input name="prep" value={f.prep_minutes} onInput={set('prep_minutes')} inputMode="numeric" class="short" />
        </Field>
        <Field label={t('aAllergens')} error={errors.allergens} hint={t('aCommaList')}>
          <input name="allergens" value={f.allergens} onInput={set('allergens')} placeholder="dairy, nuts" />
        </Field>
        <Field label={t('aModifiers')} error={errors.modifiers} hint={t('aCommaList')}>
          <input name="modifiers" value={f.modifiers} onInput={set('modifiers')} placeholder={t('aModifiersEg')} />
        </Field>
        <Field label={t('aDescription')} error={errors.description} wide>
          <textarea name="description" value={f.description} onInput={set('description')} rows={2} maxLength={600} />
        </Field>
        <Field label={t('aPhoto')} error={errors.image} hint={t('aPhotoHint', { max: MAX_UPLOAD_BYTES / 1048576 })} wide>
          <div class="photo-row">
            {preview || product?.image_url ? <img class="preview" src={preview ?? product!.image_url!} alt={t('aPreview')} data-testid="photo-preview" /> : <span class="preview preview-empty" />}
            <input type="file" name="image" accept="image/png,image/jpeg,image/webp" onChange={pick} data-testid="photo" />
          </div>
        </Field>
      </div>
      <FormError msg={msg} />
      {ok && <p class="info" role="status" data-testid="saved">{ok}</p>}
      <div class="form-actions">
        <button type="button" class="btn btn-ghost" onClick={onClose}>
          {t('close')}
        </button>
        <button class="btn btn-primary" disabled={busy} data-testid="save-product">
          {busy ? t('aSaving') : t('save')}
        </button>
      </div>
    </form>
  );
}
