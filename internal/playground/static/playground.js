// hubstream's GraphiQL set-up. It runs after React, ReactDOM and the
// GraphiQL browser build (the globals React, ReactDOM and GraphiQL), and
// reads its configuration from the #graphiql element's data attributes,
// because the page's Content-Security-Policy allows no inline script.
(function () {
  'use strict';

  var root = document.getElementById('graphiql');

  // The GraphQL endpoint over HTTP, and the same path over WebSocket for
  // subscriptions (graphql-transport-ws, GraphiQL's built-in graphql-ws
  // client). The WebSocket opens only when a subscription runs.
  var endpoint = new URL(root.dataset.endpoint, window.location.href);
  var subscriptionEndpoint = new URL(endpoint.href);
  subscriptionEndpoint.protocol = endpoint.protocol === 'https:' ? 'wss:' : 'ws:';

  // TOKEN_HINT is the Authorization value the Headers editor opens with.
  // It shows where a token goes, and is not sent while it is unchanged, so
  // the welcome query runs anonymously instead of failing with a 401.
  var TOKEN_HINT = 'Bearer <paste a token: server token LOGIN>';

  // WELCOME is the first tab's query: it runs as it is, signed in or not,
  // and its comments are the first steps. Lines stay short enough for the
  // editor's width on a laptop screen.
  var WELCOME = [
    '# Welcome to the hubstream GraphQL playground.',
    '#',
    '# Run this query with \u25B6 or Ctrl-Enter. Reads work',
    '# without a token; mutations need one:',
    '#',
    '# 1. Mint a token in a terminal:',
    '#      go run ./cmd/server token octocat',
    '#    (with docker compose:',
    '#      docker compose exec server \\',
    '#        /usr/local/bin/server token octocat)',
    '# 2. Paste it into the Headers tab below, in place',
    '#    of <paste a token ...>.',
    '# 3. Create the account, then run this query again:',
    '#      mutation {',
    '#        createUser(input: {login: "octocat"}) {',
    '#          user { login createdAt }',
    '#        }',
    '#      }',
    '#',
    '# The book icon (top left) opens the documentation,',
    '# the clock icon your history. Headers are not saved',
    '# in this browser unless you turn that on in the',
    '# settings (the cog, bottom left).',
    '',
    'query Welcome {',
    '  ok',
    '  user(login: "octocat") {',
    '    login',
    '    name',
    '    repositories(first: 5) {',
    '      totalCount',
    '      nodes { nameWithOwner description }',
    '    }',
    '  }',
    '}',
    '',
  ].join('\n');

  var send = GraphiQL.createFetcher({
    url: endpoint.href,
    subscriptionUrl: subscriptionEndpoint.href,
    // The server answers every operation with one JSON response; it has
    // no @defer or @stream.
    enableIncrementalDelivery: false,
  });

  // fetcher is send without the hint: an Authorization header that still
  // holds TOKEN_HINT is dropped rather than sent as a bad token.
  function fetcher(params, opts) {
    if (opts && opts.headers) {
      var headers = {};
      var changed = false;
      Object.keys(opts.headers).forEach(function (name) {
        if (name.toLowerCase() === 'authorization' && opts.headers[name] === TOKEN_HINT) {
          changed = true;
          return;
        }
        headers[name] = opts.headers[name];
      });
      if (changed) {
        opts = Object.assign({}, opts, { headers: headers });
      }
    }
    return send(params, opts);
  }

  // storage is GraphiQL's default (localStorage, under "graphiql:" keys)
  // with one difference: unless the user turns on "persist headers" in
  // GraphiQL's settings, nothing it writes keeps request headers. GraphiQL
  // already leaves them out of its saved tabs, but its history saves every
  // run's headers, and with them the bearer token.
  var PREFIX = 'graphiql:';

  function browserStorage() {
    try {
      return window.localStorage;
    } catch (e) {
      return null; // storage disabled: GraphiQL then keeps nothing
    }
  }

  function persistsHeaders(local) {
    return local.getItem(PREFIX + 'shouldPersistHeaders') === 'true';
  }

  function withoutHeaders(value) {
    var parsed;
    try {
      parsed = JSON.parse(value);
    } catch (e) {
      return value; // not JSON (a query text): no headers in it
    }
    return JSON.stringify(parsed, function (key, v) {
      return key === 'headers' ? undefined : v;
    });
  }

  function ownKeys(local) {
    var keys = [];
    for (var i = 0; i < local.length; i++) {
      var key = local.key(i);
      if (key !== null && key.indexOf(PREFIX) === 0) {
        keys.push(key);
      }
    }
    return keys;
  }

  function headerSafeStorage(local) {
    if (!local) {
      return null;
    }
    return {
      getItem: function (key) {
        return local.getItem(key);
      },
      setItem: function (key, value) {
        if (!persistsHeaders(local)) {
          if (key === PREFIX + 'headers') {
            local.removeItem(key);
            return;
          }
          value = withoutHeaders(value);
        }
        local.setItem(key, value);
      },
      removeItem: function (key) {
        local.removeItem(key);
      },
      get length() {
        return ownKeys(local).length;
      },
      clear: function () {
        ownKeys(local).forEach(function (key) {
          local.removeItem(key);
        });
      },
    };
  }

  ReactDOM.createRoot(root).render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultQuery: WELCOME,
      defaultHeaders: JSON.stringify({ Authorization: TOKEN_HINT }, null, 2),
      defaultEditorToolsVisibility: 'headers',
      // Ask introspection for the schema's own description, which the
      // documentation explorer then opens on.
      schemaDescription: true,
      storage: headerSafeStorage(browserStorage()),
    }),
  );
})();
