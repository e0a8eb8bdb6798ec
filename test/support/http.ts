export interface ApiResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

export interface ApiRequest {
  method?: string;
  body?: unknown;
  token?: string;
  headers?: Record<string, string>;
}

/** One HTTP call to Berth; JSON bodies in and out, anything else as text. */
export async function api<T = any>(baseUrl: string, path: string, request: ApiRequest = {}): Promise<ApiResponse<T>> {
  const headers: Record<string, string> = { ...request.headers };
  if (request.token) headers.authorization = `Bearer ${request.token}`;
  let body: string | undefined;
  if (request.body !== undefined) {
    headers['content-type'] ??= 'application/json';
    body = typeof request.body === 'string' ? request.body : JSON.stringify(request.body);
  }
  const response = await fetch(`${baseUrl}${path}`, { method: request.method ?? 'GET', headers, body });
  const text = await response.text();
  const type = response.headers.get('content-type') ?? '';
  const parsed = type.includes('json') && text ? JSON.parse(text) : text;
  return { status: response.status, headers: response.headers, body: parsed as T, text };
}

/** Asserts the RFC 9457 shape every error answer has. */
export function expectProblem(response: ApiResponse, status: number, code: string): void {
  const problem = response.body as Record<string, unknown>;
  const ok =
    response.status === status &&
    (response.headers.get('content-type') ?? '').startsWith('application/problem+json') &&
    problem.code === code &&
    problem.status === status &&
    typeof problem.title === 'string' &&
    typeof problem.detail === 'string' &&
    typeof problem.type === 'string' &&
    typeof problem.instance === 'string' &&
    !JSON.stringify(problem).includes('    at ');
  if (!ok) throw new Error(`expected ${status} ${code} problem+json, got ${response.status}: ${response.text}`);
}
