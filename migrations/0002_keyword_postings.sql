CREATE TABLE "chunk_terms" (
	"collection_id" uuid NOT NULL,
	"term" text NOT NULL,
	"chunk_id" uuid NOT NULL,
	"document_id" uuid NOT NULL,
	"tf" integer NOT NULL,
	"chunk_length" integer NOT NULL,
	CONSTRAINT "chunk_terms_collection_id_term_chunk_id_pk" PRIMARY KEY("collection_id","term","chunk_id")
);
--> statement-breakpoint
DROP INDEX "chunks_tsv_idx";--> statement-breakpoint
ALTER TABLE "collection_stats" ADD COLUMN "document_count" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "collection_stats" ADD COLUMN "document_length" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "documents" ADD COLUMN "lexeme_count" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "term_stats" ADD COLUMN "document_freq" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "chunk_terms" ADD CONSTRAINT "chunk_terms_document_id_documents_id_fk" FOREIGN KEY ("document_id") REFERENCES "public"."documents"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "chunk_terms_document_idx" ON "chunk_terms" USING btree ("document_id");--> statement-breakpoint
-- Backfill the postings and the document-level statistics from the chunks already stored.
INSERT INTO "chunk_terms" ("collection_id", "term", "chunk_id", "document_id", "tf", "chunk_length")
SELECT c."collection_id", u.lexeme, c."id", c."document_id", coalesce(array_length(u.positions, 1), 1), c."lexeme_count"
FROM "chunks" c, unnest(c."tsv") u;
--> statement-breakpoint
UPDATE "documents" d SET "lexeme_count" = s.n
FROM (SELECT "document_id", sum("lexeme_count")::int AS n FROM "chunks" GROUP BY 1) s
WHERE s."document_id" = d."id";
--> statement-breakpoint
UPDATE "term_stats" t SET "document_freq" = s.n
FROM (SELECT "collection_id", "term", count(DISTINCT "document_id")::int AS n FROM "chunk_terms" GROUP BY 1, 2) s
WHERE s."collection_id" = t."collection_id" AND s."term" = t."term";
--> statement-breakpoint
UPDATE "collection_stats" cs SET "document_count" = s.n, "document_length" = s.len
FROM (
  SELECT d."collection_id", count(*)::int AS n, coalesce(sum(d."lexeme_count"), 0) AS len
  FROM "documents" d WHERE EXISTS (SELECT 1 FROM "chunks" c WHERE c."document_id" = d."id") GROUP BY 1
) s
WHERE s."collection_id" = cs."collection_id";
