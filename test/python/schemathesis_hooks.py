"""Checks of ours that schemathesis runs next to its own (SCHEMATHESIS_HOOKS=schemathesis_hooks).

What a gateway must answer, whatever a client sends:
- no 5xx but the declared failures of a peer: 502/503/504 (an executor failed, is unreachable or
  missed its deadline), and 500 only when the body says an executor raised (Jina's answer since
  3.33); any other 5xx is a bug of the gateway (schemathesis' own not_a_server_error, which flags
  every 5xx, is left out for that one reason);
- every 4xx body names the problem: JSON with a non-empty `detail` (Jina's shape: a text, or
  FastAPI's list of {loc, msg}) or `error` (the generated gateway's) text.
"""
import json

import schemathesis

PEER_FAILURES = {502, 503, 504}


def _body(response):
    try:
        return json.loads(response.content or b'null')
    except ValueError:
        return None


@schemathesis.check
def only_declared_server_errors(ctx, response, case):
    status = response.status_code
    if status < 500 or status in PEER_FAILURES:
        return
    body = _body(response)
    if status == 500 and isinstance(body, dict):
        exception = ((body.get('header') or {}).get('status') or {}).get('exception') or {}
        if exception.get('name') or body.get('executor'):
            return  # an executor raised: the gateway reports it
    raise AssertionError(f'{status} that is not a peer failure: {response.content[:300]!r}')


def _names_problem(body):
    if not isinstance(body, dict):
        return False
    detail = body.get('detail', body.get('error'))
    if isinstance(detail, str):
        return detail.strip() != ''
    if isinstance(detail, list):
        return len(detail) > 0 and all(isinstance(item, dict) and item.get('msg') for item in detail)
    return False


@schemathesis.check
def client_errors_name_the_problem(ctx, response, case):
    if 400 <= response.status_code < 500 and not _names_problem(_body(response)):
        raise AssertionError(f'{response.status_code} whose body does not say what is wrong: {response.content[:300]!r}')


@schemathesis.hook
def map_body(context, body):
    """No `header.target_executor` in generated bodies: a regex that matches no executor sends the
    docs back unprocessed (Jina's routing, tested on its own in the topology tests), and then the
    endpoint's output model need not hold for them."""
    if isinstance(body, dict) and isinstance(body.get('header'), dict):
        body['header'].pop('target_executor', None)
    return body
