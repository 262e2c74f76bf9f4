import { useId, useState, type FormEvent } from "react";
import { $api } from "../api/client";
import { Empty, ErrorState } from "../components/States";
import { SimilarCard } from "./ProductDetail";

export function Search() {
  const [preview, setPreview] = useState<string | null>(null);
  const search = $api.useMutation("post", "/api/v1/images/search");
  const fileId = useId();

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const file = new FormData(event.currentTarget).get("file");
    if (!(file instanceof File) || file.size === 0) return;
    search.mutate({
      // The generated type says "a file"; the browser sends the multipart form as it is.
      body: { file: file as unknown as string },
      bodySerializer: (body) => {
        const form = new FormData();
        form.append("file", body.file as unknown as Blob);
        return form;
      },
    });
  }

  return (
    <section>
      <h1>Search by picture</h1>
      <form onSubmit={submit} className="upload" aria-label="Search by picture">
        <label htmlFor={fileId}>Picture</label>
        <input id={fileId} name="file" type="file" accept="image/*" required onChange={(event) => {
          const file = event.target.files?.[0];
          setPreview((old) => {
            if (old) URL.revokeObjectURL(old);
            return file ? URL.createObjectURL(file) : null;
          });
        }} />
        <button type="submit" disabled={search.isPending}>Find similar products</button>
      </form>
      {preview && <img src={preview} alt="The picture to search for" className="preview" />}
      {search.isPending && <p role="status">Searching…</p>}
      {search.error && <ErrorState error={search.error} what="similar products" />}
      {search.data && (
        <section aria-labelledby="matches-title">
          <h2 id="matches-title">{search.data.matches.length} similar product(s)</h2>
          <p className="muted">
            Query picture {search.data.query.width}×{search.data.query.height} {search.data.query.format}, pHash{" "}
            {search.data.query.phash}, within distance {search.data.max_distance}.
          </p>
          {search.data.matches.length === 0 ? <Empty>No product has a picture like this one.</Empty> : (
            <ul className="cards">{search.data.matches.map((item) => <SimilarCard key={item.product.id} item={item} />)}</ul>
          )}
        </section>
      )}
    </section>
  );
}
