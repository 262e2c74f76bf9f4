import { createColumnHelper } from "@tanstack/react-table";
import { useId, useState, type FormEvent } from "react";
import { $api, errorBody, needsKey } from "../api/client";
import { DataTable } from "../components/DataTable";
import { ErrorState } from "../components/States";
import { loadHistory, saveHistory, type AskAnswer, type Exchange } from "./askHistory";

export function Ask() {
  const [history, setHistory] = useState<Exchange[]>(loadHistory);
  const [question, setQuestion] = useState("");
  const questionId = useId();
  const remember = (exchange: Exchange) => {
    setHistory((old) => saveHistory([exchange, ...old]));
    setQuestion("");
  };
  const ask = $api.useMutation("post", "/api/v1/ask", {
    onSuccess: (answer, init) => remember({ question: init.body.question, at: new Date().toISOString(), answer }),
    onError: (error, init) => {
      const body = errorBody(error);
      // A refusal (422) is an answer too, kept with why; a missing key or a network failure stays below the form.
      if (body && !needsKey(error)) {
        remember({ question: init.body.question, at: new Date().toISOString(), refusal: body });
      }
    },
  });
  const failed = ask.error && (!errorBody(ask.error) || needsKey(ask.error)) ? ask.error : null;

  function submit(event: FormEvent) {
    event.preventDefault();
    if (question.trim()) ask.mutate({ body: { question: question.trim() } });
  }

  return (
    <section>
      <h1>Ask the data</h1>
      <form onSubmit={submit} className="ask" aria-label="Ask a question">
        <label htmlFor={questionId}>Question</label>
        <textarea id={questionId} rows={2} value={question} required maxLength={500}
                  placeholder="How many products are in stock?" onChange={(e) => setQuestion(e.target.value)}
                  onKeyDown={(e) => { if (e.key === "Enter" && !e.shiftKey) submit(e); }} />
        <div className="actions">
          <button type="submit" disabled={ask.isPending}>Ask</button>
          {history.length > 0 && (
            <button type="button" onClick={() => setHistory(saveHistory([]))}>Clear history</button>
          )}
        </div>
      </form>
      {ask.isPending && <p role="status">Thinking…</p>}
      {failed && <ErrorState error={failed} what="an answer" />}
      <ol className="history" aria-label="Questions and answers">
        {history.map((exchange) => <ExchangeView key={exchange.at + exchange.question} exchange={exchange} />)}
      </ol>
    </section>
  );
}

function ExchangeView({ exchange }: { exchange: Exchange }) {
  return (
    <li className="exchange">
      <p className="question"><strong>Q:</strong> {exchange.question}</p>
      {exchange.answer && <AnswerView answer={exchange.answer} />}
      {exchange.refusal && (
        <div className="refusal" role="note">
          <p><strong>Not answered</strong> ({exchange.refusal.code}): {exchange.refusal.message}</p>
          {exchange.refusal.details != null && <pre>{JSON.stringify(exchange.refusal.details, null, 2)}</pre>}
        </div>
      )}
    </li>
  );
}

function AnswerView({ answer }: { answer: AskAnswer }) {
  if (!answer.sql) {  // the agent declined (not a read, or not understood): its answer says why
    return (
      <div className="refusal" role="note">
        <p><strong>Not answered</strong> ({answer.engine}): {answer.answer}</p>
      </div>
    );
  }
  const column = createColumnHelper<unknown[]>();
  const columns = answer.columns.map((name, i) =>
    column.accessor((row) => row[i], { id: `${i}-${name}`, header: name, cell: (c) => formatCell(c.getValue()) }));
  return (
    <div className="answer">
      <p><strong>A:</strong> {answer.answer}</p>
      <details>
        <summary>SQL ({answer.engine})</summary>
        <pre>{answer.sql}</pre>
      </details>
      {answer.rows.length > 0 && (
        <DataTable caption={`${answer.rows.length} row(s)`} columns={columns} rows={answer.rows} />
      )}
    </div>
  );
}

function formatCell(value: unknown): string {
  if (value === null || value === undefined) return "—";
  return typeof value === "object" ? JSON.stringify(value) : String(value);
}
