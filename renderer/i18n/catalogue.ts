/** The shape of a UI text catalogue: sections of keys. Completeness is checked by a unit test. */
export type Catalogue = Readonly<Record<string, Readonly<Record<string, string>>>>;
