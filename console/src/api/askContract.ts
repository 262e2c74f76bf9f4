// POST /api/v1/ask as agreed with the agent branch (issue 13), until its router is merged and the generated
// schema carries it; then this file goes and `paths` alone types the client.
export interface AskPaths {
  "/api/v1/ask": {
    parameters: { query?: never; header?: never; path?: never; cookie?: never };
    get?: never;
    put?: never;
    post: {
      parameters: { query?: never; header?: never; path?: never; cookie?: never };
      requestBody: { content: { "application/json": { question: string } } };
      responses: {
        200: { headers: { [name: string]: unknown }; content: { "application/json": AskAnswer } };
        422: { headers: { [name: string]: unknown }; content: { "application/json": AskRefusal } };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
}

export interface AskAnswer {
  question: string;
  sql: string;
  columns: string[];
  rows: unknown[][];
  answer: string;
  engine: string;
}

export interface AskRefusal {
  error: { code: string; message: string; details?: unknown };
}
