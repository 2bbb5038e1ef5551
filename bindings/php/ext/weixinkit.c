/*
 * ext-weixinkit: the weixinkit Rust core for PHP without FFI.
 *
 * Everything here is a thin conversion between PHP values and the C ABI of weixinkit.h
 * (src/ffi/capi.rs): strings go in as pointer and length (NUL bytes and all), results come back
 * as PHP strings and arrays built here, failures become the exceptions of the PHP package
 * (Weixinkit\InvalidSignatureException, ...), made by the package's Native::exception(). Every
 * string or handle the library hands out is released on every path.
 *
 * PHP API (namespace Weixinkit\Ext; the classes in bindings/php/src wrap it, see
 * weixinkit.stub.php):
 *   final class Crypto   create(), withOptions(), decrypt(), decryptBody(), decryptMessage(),
 *                        decryptMessageObject(), verifyUrl(), encryptReply(), encryptReplyJson()
 *   final class Fields   toArray(): a message's fields, kept native until Message reads them
 *   final class Client   officialAccount(), component(), call()
 *   final class HostStore  register(), id(): a store written in PHP, called back on PHP's
 *                        thread inside client calls
 *   functions            version(), parse_message(), parse_message_object(), parse_fields(),
 *                        check_signature(), msg_signature(), decode_aes_key(), text_reply(),
 *                        image_reply(), news_reply(), log_enable(), log_disable(), log_drain()
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "php.h"
#include "ext/standard/info.h"
#include "ext/json/php_json.h"
#include "ext/spl/spl_exceptions.h"
#include "zend_attributes.h"
#include "zend_exceptions.h"
#include "zend_interfaces.h"

#include "php_weixinkit.h"
#include "weixinkit.h"

/* ---------------------------------------------------------------------------------------- */
/* Errors                                                                                    */

#define WXK_INTERNAL (-50099)

/* A class of the PHP package (autoloaded), or NULL when it is not available. */
static zend_class_entry *wxk_lookup_class(const char *name)
{
	zend_string *str = zend_string_init(name, strlen(name), 0);
	zend_class_entry *ce = zend_lookup_class(str);
	zend_string_release(str);
	return ce;
}

/*
 * Throw the failure a call reported: `status` and the error JSON `{"kind","code","message",…}`
 * in `error` (released here; may be NULL). The exception comes from the PHP package's
 * `Weixinkit\Native::exception($json, $status)`, the one place that maps kinds to classes (with
 * `errmsg` and `endpoint` for API errors), so both backends throw the same objects; without
 * the package, a RuntimeException with the library's message and code.
 */
static void wxk_throw(int32_t status, char *error)
{
	zend_string *json = zend_string_init(error ? error : "", error ? strlen(error) : 0, 0);
	if (error != NULL) {
		wxk_string_free(error);
	}
	if (EG(exception)) {
		zend_string_release(json);
		return;
	}
	zend_class_entry *native = wxk_lookup_class("Weixinkit\\Native");
	zend_function *factory = native == NULL ? NULL
		: zend_hash_str_find_ptr(&native->function_table, "exception", sizeof("exception") - 1);
	if (factory != NULL && !EG(exception)) {
		zval params[2], ex;
		ZVAL_STR_COPY(&params[0], json);
		ZVAL_LONG(&params[1], status);
		ZVAL_UNDEF(&ex);
		zend_call_known_function(factory, NULL, native, &ex, 2, params, NULL);
		zval_ptr_dtor(&params[0]);
		zend_string_release(json);
		if (!EG(exception) && Z_TYPE(ex) == IS_OBJECT) {
			zend_throw_exception_object(&ex);
			return;
		}
		zval_ptr_dtor(&ex);
		if (!EG(exception)) {
			zend_throw_exception(spl_ce_RuntimeException, "weixinkit: Native::exception returned no exception", WXK_INTERNAL);
		}
		return;
	}

	/* No package: the library's message and code. */
	zend_string *message = NULL;
	zend_long code = status;
	zval decoded;
	ZVAL_UNDEF(&decoded);
	if (php_json_decode_ex(&decoded, ZSTR_VAL(json), ZSTR_LEN(json), PHP_JSON_OBJECT_AS_ARRAY, 4) == SUCCESS
			&& Z_TYPE(decoded) == IS_ARRAY) {
		zval *v;
		if ((v = zend_hash_str_find(Z_ARRVAL(decoded), "message", 7)) && Z_TYPE_P(v) == IS_STRING) {
			message = zend_string_copy(Z_STR_P(v));
		}
		if ((v = zend_hash_str_find(Z_ARRVAL(decoded), "code", 4)) && Z_TYPE_P(v) == IS_LONG) {
			code = Z_LVAL_P(v);
		}
	}
	zval_ptr_dtor(&decoded);
	zend_string_release(json);
	if (message == NULL) {
		message = zend_strpprintf(0, "weixinkit call failed with status %d", (int) status);
	}
	if (!EG(exception)) {
		zend_throw_exception(spl_ce_RuntimeException, ZSTR_VAL(message), code);
	}
	zend_string_release(message);
}

/* The result of a string-returning call: a PHP string, or the exception it describes. */
static void wxk_return_string(zval *return_value, int32_t status, char *out, size_t out_len)
{
	if (status != 0) {
		wxk_throw(status, out);
		return;
	}
	if (out == NULL) {
		RETURN_EMPTY_STRING();
	}
	RETVAL_STRINGL_FAST(out, out_len);
	wxk_string_free(out);
}

/* A JSON result (parse_fields, client calls that are decoded here) as a PHP value. */
static void wxk_return_json_value(zval *return_value, int32_t status, char *out, size_t out_len)
{
	if (status != 0) {
		wxk_throw(status, out);
		return;
	}
	if (out == NULL) {
		RETURN_NULL();
	}
	int ok = php_json_decode_ex(return_value, out, out_len, PHP_JSON_OBJECT_AS_ARRAY, 64);
	wxk_string_free(out);
	if (ok != SUCCESS && !EG(exception)) {
		zend_throw_exception(spl_ce_RuntimeException, "weixinkit returned JSON that cannot be decoded", WXK_INTERNAL);
	}
}

/* ---------------------------------------------------------------------------------------- */
/* Parsed messages: the library's items as [event array, fields array]                      */

#define WXK_MAX_DEPTH 64

/* Insert `value` into the open container `parent` (under `item`'s key in an object). */
static zval *wxk_insert(zval *parent, const WxkItem *item, zval *value)
{
	if (item->key != NULL) {
		return zend_symtable_str_update(Z_ARRVAL_P(parent), item->key, item->key_len, value);
	}
	return zend_hash_next_index_insert(Z_ARRVAL_P(parent), value);
}

/*
 * The event of a message's items (`items[0]` an Object, up to its matching End) in `event`, as
 * the array json_decode would make of its JSON. Returns the index of the item after it, or 0
 * with an exception thrown (and `event` left undefined).
 */
static size_t wxk_build_event(zval *event, const WxkItem *items, size_t count)
{
	size_t i;
	zval *stack[WXK_MAX_DEPTH];
	int depth = 0;

	if (items == NULL || count == 0 || items[0].kind != WxkItemKind_Object) {
		zend_throw_exception(spl_ce_RuntimeException, "weixinkit returned a message without an event", WXK_INTERNAL);
		return 0;
	}
	array_init(event);
	stack[depth++] = event;
	for (i = 1; i < count && depth > 0; i++) {
		const WxkItem *item = &items[i];
		zval value, *inserted;
		switch (item->kind) {
			case WxkItemKind_End:
				depth--;
				continue;
			case WxkItemKind_String:
				ZVAL_STRINGL_FAST(&value, item->str, item->str_len);
				break;
			case WxkItemKind_Int:
				ZVAL_LONG(&value, (zend_long) item->int_value);
				break;
			case WxkItemKind_Float:
				ZVAL_DOUBLE(&value, item->float_value);
				break;
			case WxkItemKind_Bool:
				ZVAL_BOOL(&value, item->int_value != 0);
				break;
			case WxkItemKind_Object:
			case WxkItemKind_List:
				array_init(&value);
				break;
			default:
				ZVAL_NULL(&value);
				break;
		}
		inserted = wxk_insert(stack[depth - 1], item, &value);
		if ((item->kind == WxkItemKind_Object || item->kind == WxkItemKind_List)) {
			if (depth == WXK_MAX_DEPTH) {
				zval_ptr_dtor(event);
				ZVAL_UNDEF(event);
				zend_throw_exception(spl_ce_RuntimeException, "weixinkit returned an event nested too deeply", WXK_INTERNAL);
				return 0;
			}
			stack[depth++] = inserted;
		}
	}
	return i;
}

/* The Field items from `from` on in `fields`, grouped by path in order of first appearance. */
static void wxk_build_fields(zval *fields, const WxkItem *items, size_t from, size_t count)
{
	size_t i;

	array_init_size(fields, (uint32_t) (count > from ? count - from : 0));
	for (i = from; i < count; i++) {
		const WxkItem *item = &items[i];
		zval *list, text;
		if (item->kind != WxkItemKind_Field) {
			continue;
		}
		list = zend_symtable_str_find(Z_ARRVAL_P(fields), item->key, item->key_len);
		if (list == NULL) {
			zval fresh;
			array_init_size(&fresh, 1);
			list = zend_symtable_str_update(Z_ARRVAL_P(fields), item->key, item->key_len, &fresh);
		}
		ZVAL_STRINGL_FAST(&text, item->str, item->str_len);
		zend_hash_next_index_insert_new(Z_ARRVAL_P(list), &text);
	}
}

/*
 * Build `[event, fields]` in `return_value` from a message's items (see wxk_message_items):
 * the event as the array json_decode would make of its JSON, the fields grouped by path
 * (`['InfoType' => ['component_verify_ticket'], ...]`) in order of first appearance.
 */
static void wxk_return_message(zval *return_value, const WxkMessage *message)
{
	size_t count = 0, next;
	const WxkItem *items = wxk_message_items(message, &count);
	zval event, fields;

	next = wxk_build_event(&event, items, count);
	if (next == 0) {
		return;
	}
	wxk_build_fields(&fields, items, next, count);
	array_init_size(return_value, 2);
	zend_hash_next_index_insert_new(Z_ARRVAL_P(return_value), &event);
	zend_hash_next_index_insert_new(Z_ARRVAL_P(return_value), &fields);
}

/* ---------------------------------------------------------------------------------------- */
/* Weixinkit\Ext\Fields: a parsed message's fields, kept native until first read            */

typedef struct {
	WxkMessage *message;
	size_t from; /* the first item after the event */
	zend_object std;
} wxk_fields_object;

static zend_class_entry *wxk_fields_ce;
static zend_object_handlers wxk_fields_handlers;

static inline wxk_fields_object *wxk_fields_from(zend_object *obj)
{
	return (wxk_fields_object *) ((char *) obj - XtOffsetOf(wxk_fields_object, std));
}

static zend_object *wxk_fields_create(zend_class_entry *ce)
{
	wxk_fields_object *intern = zend_object_alloc(sizeof(wxk_fields_object), ce);
	intern->message = NULL;
	intern->from = 0;
	zend_object_std_init(&intern->std, ce);
	object_properties_init(&intern->std, ce);
	intern->std.handlers = &wxk_fields_handlers;
	return &intern->std;
}

static void wxk_fields_free_obj(zend_object *obj)
{
	wxk_fields_object *intern = wxk_fields_from(obj);
	wxk_message_free(intern->message);
	intern->message = NULL;
	zend_object_std_dtor(obj);
}

/* {{{ Fields::__construct(): only the extension makes these */
PHP_METHOD(Weixinkit_Ext_Fields, __construct)
{
	ZEND_PARSE_PARAMETERS_NONE();
}
/* }}} */

/* {{{ Fields::toArray(): array<string, list<string>> */
PHP_METHOD(Weixinkit_Ext_Fields, toArray)
{
	wxk_fields_object *intern = wxk_fields_from(Z_OBJ_P(ZEND_THIS));
	size_t count = 0;
	const WxkItem *items;

	ZEND_PARSE_PARAMETERS_NONE();
	if (intern->message == NULL) {
		zend_throw_error(NULL, "Weixinkit\\Ext\\Fields holds no message");
		return;
	}
	items = wxk_message_items(intern->message, &count);
	wxk_build_fields(return_value, items, intern->from, count);
}
/* }}} */

/* ---------------------------------------------------------------------------------------- */
/* Parsed messages as the package's Weixinkit\Message                                       */

/* Interned at MINIT: the class's lower-case name and the properties written here. */
static zend_string *wxk_message_class_name, *wxk_message_class_lc;
static zend_string *wxk_prop_type, *wxk_prop_event, *wxk_prop_fields, *wxk_prop_pending;

/* The package's Weixinkit\Message (autoloaded), or NULL with an exception thrown. */
static zend_class_entry *wxk_message_class(void)
{
	zend_class_entry *ce = zend_hash_find_ptr(EG(class_table), wxk_message_class_lc);
	if (ce == NULL) {
		ce = zend_lookup_class(wxk_message_class_name);
	}
	if (ce == NULL && !EG(exception)) {
		zend_throw_exception(spl_ce_RuntimeException,
			"Weixinkit\\Message is not loaded: the message methods need the PHP package", WXK_INTERNAL);
	}
	return ce;
}

/* The property table slot of `name` in `obj`, or NULL when the class has no such property. */
static zval *wxk_prop_slot(zend_object *obj, zend_string *name)
{
	zend_property_info *info = zend_hash_find_ptr(&obj->ce->properties_info, name);
	if (info == NULL || (info->flags & ZEND_ACC_STATIC)) {
		return NULL;
	}
	return OBJ_PROP(obj, info->offset);
}

/*
 * A Weixinkit\Message in `return_value` made from `message` (released here on every path):
 * `type` and `event` set, `fields` left unset with the items kept in a Weixinkit\Ext\Fields
 * in `pending`, which Message::__get turns into the array on first read. No constructor runs,
 * as with newInstanceWithoutConstructor.
 */
static void wxk_return_message_object(zval *return_value, WxkMessage *message)
{
	size_t count = 0, next;
	const WxkItem *items = wxk_message_items(message, &count);
	zend_class_entry *ce = wxk_message_class();
	zval event, *type, *slot_type, *slot_event, *slot_fields, *slot_pending;
	zend_object *obj;
	wxk_fields_object *fields;

	if (ce == NULL) {
		wxk_message_free(message);
		return;
	}
	next = wxk_build_event(&event, items, count);
	if (next == 0) {
		wxk_message_free(message);
		return;
	}
	if (object_init_ex(return_value, ce) != SUCCESS) {
		zval_ptr_dtor(&event);
		wxk_message_free(message);
		return;
	}
	obj = Z_OBJ_P(return_value);
	slot_type = wxk_prop_slot(obj, wxk_prop_type);
	slot_event = wxk_prop_slot(obj, wxk_prop_event);
	slot_fields = wxk_prop_slot(obj, wxk_prop_fields);
	slot_pending = wxk_prop_slot(obj, wxk_prop_pending);
	if (slot_type == NULL || slot_event == NULL || slot_fields == NULL || slot_pending == NULL
			|| Z_TYPE_P(slot_type) != IS_UNDEF || Z_TYPE_P(slot_event) != IS_UNDEF
			|| Z_TYPE_P(slot_fields) != IS_UNDEF) {
		zval_ptr_dtor(&event);
		wxk_message_free(message);
		zval_ptr_dtor(return_value);
		ZVAL_UNDEF(return_value);
		zend_throw_exception(spl_ce_RuntimeException,
			"Weixinkit\\Message does not have the typed properties this extension fills in (type, event, fields, pending)",
			WXK_INTERNAL);
		return;
	}
	type = zend_hash_find(Z_ARRVAL(event), wxk_prop_type);
	if (type != NULL && Z_TYPE_P(type) == IS_STRING) {
		ZVAL_STR_COPY(slot_type, Z_STR_P(type));
	} else {
		ZVAL_EMPTY_STRING(slot_type);
	}
	ZVAL_COPY_VALUE(slot_event, &event);
	/* Unset, not uninitialized: reading it calls __get (what unset() does to a typed property). */
	Z_PROP_FLAG_P(slot_fields) &= ~IS_PROP_UNINIT;
	zval_ptr_dtor(slot_pending);
	ZVAL_OBJ(slot_pending, wxk_fields_create(wxk_fields_ce));
	fields = wxk_fields_from(Z_OBJ_P(slot_pending));
	fields->message = message;
	fields->from = next;
}

/* ---------------------------------------------------------------------------------------- */
/* Weixinkit\Ext\Crypto                                                                      */

typedef struct {
	WxkCrypto *crypto;
	zend_object std;
} wxk_crypto_object;

static zend_class_entry *wxk_crypto_ce;
static zend_object_handlers wxk_crypto_handlers;

static inline wxk_crypto_object *wxk_crypto_from(zend_object *obj)
{
	return (wxk_crypto_object *) ((char *) obj - XtOffsetOf(wxk_crypto_object, std));
}

static zend_object *wxk_crypto_create(zend_class_entry *ce)
{
	wxk_crypto_object *intern = zend_object_alloc(sizeof(wxk_crypto_object), ce);
	intern->crypto = NULL;
	zend_object_std_init(&intern->std, ce);
	object_properties_init(&intern->std, ce);
	intern->std.handlers = &wxk_crypto_handlers;
	return &intern->std;
}

static void wxk_crypto_free_obj(zend_object *obj)
{
	wxk_crypto_object *intern = wxk_crypto_from(obj);
	wxk_crypto_free(intern->crypto);
	intern->crypto = NULL;
	zend_object_std_dtor(obj);
}

/* A new Crypto object owning `crypto`, in return_value. */
static void wxk_return_crypto(zval *return_value, int32_t status, WxkCrypto *crypto, char *error)
{
	if (status != 0) {
		wxk_crypto_free(crypto);
		wxk_throw(status, error);
		return;
	}
	wxk_string_free(error);
	object_init_ex(return_value, wxk_crypto_ce);
	wxk_crypto_from(Z_OBJ_P(return_value))->crypto = crypto;
}

#define WXK_THIS_CRYPTO (wxk_crypto_from(Z_OBJ_P(ZEND_THIS))->crypto)

/* {{{ Crypto::create(string $token, string $encodingAesKey, string $receiverId): Crypto */
PHP_METHOD(Weixinkit_Ext_Crypto, create)
{
	char *token, *key, *receiver;
	size_t token_len, key_len, receiver_len;
	WxkCrypto *crypto = NULL;
	char *error = NULL;

	ZEND_PARSE_PARAMETERS_START(3, 3)
		Z_PARAM_STRING(token, token_len)
		Z_PARAM_STRING(key, key_len)
		Z_PARAM_STRING(receiver, receiver_len)
	ZEND_PARSE_PARAMETERS_END();

	int32_t status = wxk_crypto_new(token, token_len, key, key_len, receiver, receiver_len, &crypto, &error);
	wxk_return_crypto(return_value, status, crypto, error);
}
/* }}} */

/* {{{ Crypto::withOptions(string $token, string $encodingAesKey, string $optionsJson): Crypto */
PHP_METHOD(Weixinkit_Ext_Crypto, withOptions)
{
	char *token, *key, *options;
	size_t token_len, key_len, options_len;
	WxkCrypto *crypto = NULL;
	char *error = NULL;

	ZEND_PARSE_PARAMETERS_START(3, 3)
		Z_PARAM_STRING(token, token_len)
		Z_PARAM_STRING(key, key_len)
		Z_PARAM_STRING(options, options_len)
	ZEND_PARSE_PARAMETERS_END();

	int32_t status = wxk_crypto_new_with_options(token, token_len, key, key_len, options, options_len, &crypto, &error);
	wxk_return_crypto(return_value, status, crypto, error);
}
/* }}} */

/* The four-string calls of a Crypto: (signature, timestamp, nonce, text) -> string. */
typedef int32_t (*wxk_crypto_fn4)(const WxkCrypto *, const char *, size_t, const char *, size_t,
	const char *, size_t, const char *, size_t, char **, size_t *);

static void wxk_crypto_call4(INTERNAL_FUNCTION_PARAMETERS, wxk_crypto_fn4 fn)
{
	char *a, *b, *c, *d;
	size_t a_len, b_len, c_len, d_len;
	char *out = NULL;
	size_t out_len = 0;

	ZEND_PARSE_PARAMETERS_START(4, 4)
		Z_PARAM_STRING(a, a_len)
		Z_PARAM_STRING(b, b_len)
		Z_PARAM_STRING(c, c_len)
		Z_PARAM_STRING(d, d_len)
	ZEND_PARSE_PARAMETERS_END();

	int32_t status = fn(WXK_THIS_CRYPTO, a, a_len, b, b_len, c, c_len, d, d_len, &out, &out_len);
	wxk_return_string(return_value, status, out, out_len);
}

/* The reply calls: (plaintext, timestamp, nonce) -> envelope. */
typedef int32_t (*wxk_crypto_fn3)(const WxkCrypto *, const char *, size_t, const char *, size_t,
	const char *, size_t, char **, size_t *);

static void wxk_crypto_call3(INTERNAL_FUNCTION_PARAMETERS, wxk_crypto_fn3 fn)
{
	char *a, *b, *c;
	size_t a_len, b_len, c_len;
	char *out = NULL;
	size_t out_len = 0;

	ZEND_PARSE_PARAMETERS_START(3, 3)
		Z_PARAM_STRING(a, a_len)
		Z_PARAM_STRING(b, b_len)
		Z_PARAM_STRING(c, c_len)
	ZEND_PARSE_PARAMETERS_END();

	int32_t status = fn(WXK_THIS_CRYPTO, a, a_len, b, b_len, c, c_len, &out, &out_len);
	wxk_return_string(return_value, status, out, out_len);
}

/* {{{ Crypto::decrypt(string $msgSignature, string $timestamp, string $nonce, string $encrypt): string */
PHP_METHOD(Weixinkit_Ext_Crypto, decrypt)
{
	wxk_crypto_call4(INTERNAL_FUNCTION_PARAM_PASSTHRU, wxk_crypto_decrypt);
}
/* }}} */

/* {{{ Crypto::decryptBody(string $msgSignature, string $timestamp, string $nonce, string $body): string */
PHP_METHOD(Weixinkit_Ext_Crypto, decryptBody)
{
	wxk_crypto_call4(INTERNAL_FUNCTION_PARAM_PASSTHRU, wxk_crypto_decrypt_body);
}
/* }}} */

/* {{{ Crypto::verifyUrl(string $msgSignature, string $timestamp, string $nonce, string $echostr): string */
PHP_METHOD(Weixinkit_Ext_Crypto, verifyUrl)
{
	wxk_crypto_call4(INTERNAL_FUNCTION_PARAM_PASSTHRU, wxk_crypto_verify_url);
}
/* }}} */

/*
 * The result of a call returning a message (released here): the exception it describes, or
 * the message as `[event, fields]` arrays, or as the package's Weixinkit\Message (`object`).
 */
static void wxk_return_message_result(zval *return_value, int32_t status, WxkMessage *message, char *error, bool object)
{
	if (status != 0) {
		wxk_message_free(message);
		wxk_throw(status, error);
		return;
	}
	wxk_string_free(error);
	if (object) {
		wxk_return_message_object(return_value, message);
		return;
	}
	wxk_return_message(return_value, message);
	wxk_message_free(message);
}

/* decryptMessage and decryptMessageObject: verify, decrypt and parse a POST body. */
static void wxk_decrypt_message_as(INTERNAL_FUNCTION_PARAMETERS, bool object)
{
	char *sig, *ts, *nonce, *body;
	size_t sig_len, ts_len, nonce_len, body_len;
	WxkMessage *message = NULL;
	char *error = NULL;

	ZEND_PARSE_PARAMETERS_START(4, 4)
		Z_PARAM_STRING(sig, sig_len)
		Z_PARAM_STRING(ts, ts_len)
		Z_PARAM_STRING(nonce, nonce_len)
		Z_PARAM_STRING(body, body_len)
	ZEND_PARSE_PARAMETERS_END();

	int32_t status = wxk_crypto_decrypt_message_items(WXK_THIS_CRYPTO, sig, sig_len, ts, ts_len,
		nonce, nonce_len, body, body_len, &message, &error);
	wxk_return_message_result(return_value, status, message, error, object);
}

/* {{{ Crypto::decryptMessage(string $msgSignature, string $timestamp, string $nonce, string $body): array */
PHP_METHOD(Weixinkit_Ext_Crypto, decryptMessage)
{
	wxk_decrypt_message_as(INTERNAL_FUNCTION_PARAM_PASSTHRU, false);
}
/* }}} */

/* {{{ Crypto::decryptMessageObject(string $msgSignature, string $timestamp, string $nonce, string $body): \Weixinkit\Message */
PHP_METHOD(Weixinkit_Ext_Crypto, decryptMessageObject)
{
	wxk_decrypt_message_as(INTERNAL_FUNCTION_PARAM_PASSTHRU, true);
}
/* }}} */

/* {{{ Crypto::encryptReply(string $plaintext, string $timestamp, string $nonce): string */
PHP_METHOD(Weixinkit_Ext_Crypto, encryptReply)
{
	wxk_crypto_call3(INTERNAL_FUNCTION_PARAM_PASSTHRU, wxk_crypto_encrypt_reply);
}
/* }}} */

/* {{{ Crypto::encryptReplyJson(string $plaintext, string $timestamp, string $nonce): string */
PHP_METHOD(Weixinkit_Ext_Crypto, encryptReplyJson)
{
	wxk_crypto_call3(INTERNAL_FUNCTION_PARAM_PASSTHRU, wxk_crypto_encrypt_reply_json);
}
/* }}} */

/* ---------------------------------------------------------------------------------------- */
/* Weixinkit\Ext\Client                                                                      */

typedef struct {
	WxkClient *client;
	zend_object std;
} wxk_client_object;

static zend_class_entry *wxk_client_ce;
static zend_object_handlers wxk_client_handlers;

static inline wxk_client_object *wxk_client_from(zend_object *obj)
{
	return (wxk_client_object *) ((char *) obj - XtOffsetOf(wxk_client_object, std));
}

static zend_object *wxk_client_create(zend_class_entry *ce)
{
	wxk_client_object *intern = zend_object_alloc(sizeof(wxk_client_object), ce);
	intern->client = NULL;
	zend_object_std_init(&intern->std, ce);
	object_properties_init(&intern->std, ce);
	intern->std.handlers = &wxk_client_handlers;
	return &intern->std;
}

static void wxk_client_free_obj(zend_object *obj)
{
	wxk_client_object *intern = wxk_client_from(obj);
	wxk_client_free(intern->client);
	intern->client = NULL;
	zend_object_std_dtor(obj);
}

typedef int32_t (*wxk_client_ctor)(const char *, size_t, WxkClient **, char **);

static void wxk_client_new(INTERNAL_FUNCTION_PARAMETERS, wxk_client_ctor ctor)
{
	char *config;
	size_t config_len;
	WxkClient *client = NULL;
	char *error = NULL;

	ZEND_PARSE_PARAMETERS_START(1, 1)
		Z_PARAM_STRING(config, config_len)
	ZEND_PARSE_PARAMETERS_END();

	int32_t status = ctor(config, config_len, &client, &error);
	if (status != 0) {
		wxk_client_free(client);
		wxk_throw(status, error);
		return;
	}
	wxk_string_free(error);
	object_init_ex(return_value, wxk_client_ce);
	wxk_client_from(Z_OBJ_P(return_value))->client = client;
}

/* {{{ Client::officialAccount(string $configJson): Client */
PHP_METHOD(Weixinkit_Ext_Client, officialAccount)
{
	wxk_client_new(INTERNAL_FUNCTION_PARAM_PASSTHRU, wxk_official_account_new);
}
/* }}} */

/* {{{ Client::component(string $configJson): Client */
PHP_METHOD(Weixinkit_Ext_Client, component)
{
	wxk_client_new(INTERNAL_FUNCTION_PARAM_PASSTHRU, wxk_component_new);
}
/* }}} */

/* {{{ Client::provider(string $configJson): Client (a WeCom service provider) */
PHP_METHOD(Weixinkit_Ext_Client, provider)
{
	wxk_client_new(INTERNAL_FUNCTION_PARAM_PASSTHRU, wxk_provider_new);
}
/* }}} */

/* {{{ Client::suite(string $configJson): Client (a WeCom third-party app) */
PHP_METHOD(Weixinkit_Ext_Client, suite)
{
	wxk_client_new(INTERNAL_FUNCTION_PARAM_PASSTHRU, wxk_suite_new);
}
/* }}} */

/* {{{ Client::workAccount(string $configJson): Client (a WeCom corp's own app) */
PHP_METHOD(Weixinkit_Ext_Client, workAccount)
{
	wxk_client_new(INTERNAL_FUNCTION_PARAM_PASSTHRU, wxk_work_account_new);
}
/* }}} */

/* {{{ Client::websiteApp(string $configJson): Client (an Open Platform website app) */
PHP_METHOD(Weixinkit_Ext_Client, websiteApp)
{
	wxk_client_new(INTERNAL_FUNCTION_PARAM_PASSTHRU, wxk_website_app_new);
}
/* }}} */

/* {{{ Client::oauthState(string $configJson): Client (the state helper of OAuth redirects) */
PHP_METHOD(Weixinkit_Ext_Client, oauthState)
{
	wxk_client_new(INTERNAL_FUNCTION_PARAM_PASSTHRU, wxk_oauth_state_new);
}
/* }}} */

/* {{{ Client::call(string $method, string $argsJson): string (the JSON result) */
PHP_METHOD(Weixinkit_Ext_Client, call)
{
	char *method, *args;
	size_t method_len, args_len;
	char *out = NULL;
	size_t out_len = 0;

	ZEND_PARSE_PARAMETERS_START(2, 2)
		Z_PARAM_STRING(method, method_len)
		Z_PARAM_STRING(args, args_len)
	ZEND_PARSE_PARAMETERS_END();

	int32_t status = wxk_client_call(wxk_client_from(Z_OBJ_P(ZEND_THIS))->client, method, method_len,
		args, args_len, &out, &out_len);
	wxk_return_string(return_value, status, out, out_len);
}
/* }}} */

/* ---------------------------------------------------------------------------------------- */
/* Weixinkit\Ext\HostStore                                                                   */

/* A store written in PHP for the library's token engine. The bridge object (the package's
 * Weixinkit\HostStoreBridge) answers `call(int $op, string $key, string $value, int $ttlMs):
 * array{0: int, 1: ?string}` and never throws. The library calls back only on this thread,
 * inside a client call made here; it holds a reference to the bridge until every client built
 * with the store is gone. */

typedef struct {
	WxkHostStore *store;
	zend_object std;
} wxk_host_store_object;

static zend_class_entry *wxk_host_store_ce;
static zend_object_handlers wxk_host_store_handlers;

static inline wxk_host_store_object *wxk_host_store_from(zend_object *obj)
{
	return (wxk_host_store_object *) ((char *) obj - XtOffsetOf(wxk_host_store_object, std));
}

static zend_object *wxk_host_store_create(zend_class_entry *ce)
{
	wxk_host_store_object *intern = zend_object_alloc(sizeof(wxk_host_store_object), ce);
	intern->store = NULL;
	zend_object_std_init(&intern->std, ce);
	object_properties_init(&intern->std, ce);
	intern->std.handlers = &wxk_host_store_handlers;
	return &intern->std;
}

static void wxk_host_store_free_obj(zend_object *obj)
{
	wxk_host_store_object *intern = wxk_host_store_from(obj);
	wxk_host_store_free(intern->store);
	intern->store = NULL;
	zend_object_std_dtor(obj);
}

static void wxk_store_reply_text(WxkStoreReply *reply, const char *text)
{
	wxk_store_reply(reply, text, strlen(text));
}

static int32_t wxk_php_store_call(void *ctx, WxkStoreOp op, const uint8_t *key, size_t key_len,
	const uint8_t *value, size_t value_len, int64_t ttl_ms, WxkStoreReply *reply)
{
	zend_object *bridge = (zend_object *) ctx;
	zend_function *fn = zend_hash_str_find_ptr_lc(&bridge->ce->function_table, "call", sizeof("call") - 1);
	if (fn == NULL) {
		wxk_store_reply_text(reply, "the host store bridge has no call() method");
		return -1;
	}
	zval args[4], retval;
	ZVAL_LONG(&args[0], (zend_long) op);
	ZVAL_STRINGL(&args[1], (const char *) key, key_len);
	ZVAL_STRINGL(&args[2], (const char *) value, value_len);
	ZVAL_LONG(&args[3], (zend_long) ttl_ms);
	ZVAL_UNDEF(&retval);
	zend_call_known_instance_method(fn, bridge, &retval, 4, args);
	zval_ptr_dtor(&args[1]);
	zval_ptr_dtor(&args[2]);

	int32_t status = -1;
	if (EG(exception) != NULL) {
		/* The bridge catches everything; an engine error (e.g. out of memory) may still end
		 * up here. The library reports it as a store error: nothing stays pending. */
		zend_clear_exception();
		wxk_store_reply_text(reply, "the host store raised");
	} else if (Z_TYPE(retval) == IS_ARRAY) {
		zval *code = zend_hash_index_find(Z_ARRVAL(retval), 0);
		zval *text = zend_hash_index_find(Z_ARRVAL(retval), 1);
		if (code != NULL && Z_TYPE_P(code) == IS_LONG) {
			status = (int32_t) Z_LVAL_P(code);
			if (text != NULL && Z_TYPE_P(text) == IS_STRING) {
				wxk_store_reply(reply, Z_STRVAL_P(text), Z_STRLEN_P(text));
			}
		} else {
			wxk_store_reply_text(reply, "the host store bridge answered without a status");
		}
	} else {
		wxk_store_reply_text(reply, "the host store bridge answered without a status");
	}
	zval_ptr_dtor(&retval);
	return status;
}

static void wxk_php_store_release(void *ctx)
{
	/* While PHP frees every object at shutdown the bridge may already be gone: its memory goes
	 * with the object store then, so there is nothing to release. */
	if (EG(flags) & EG_FLAGS_OBJECT_STORE_NO_REUSE) {
		return;
	}
	OBJ_RELEASE((zend_object *) ctx);
}

/* {{{ HostStore::register(object $bridge): HostStore */
PHP_METHOD(Weixinkit_Ext_HostStore, register)
{
	zend_object *bridge;
	WxkHostStore *store = NULL;
	char *error = NULL;

	ZEND_PARSE_PARAMETERS_START(1, 1)
		Z_PARAM_OBJ(bridge)
	ZEND_PARSE_PARAMETERS_END();

	GC_ADDREF(bridge);
	int32_t status = wxk_host_store_new(wxk_php_store_call, wxk_php_store_release, bridge, &store, &error);
	if (status != 0) {
		OBJ_RELEASE(bridge);
		wxk_host_store_free(store);
		wxk_throw(status, error);
		return;
	}
	wxk_string_free(error);
	object_init_ex(return_value, wxk_host_store_ce);
	wxk_host_store_from(Z_OBJ_P(return_value))->store = store;
}
/* }}} */

/* {{{ HostStore::id(): int (what a configuration names it by: {"type":"host","id":N}) */
PHP_METHOD(Weixinkit_Ext_HostStore, id)
{
	ZEND_PARSE_PARAMETERS_NONE();
	RETURN_LONG((zend_long) wxk_host_store_id(wxk_host_store_from(Z_OBJ_P(ZEND_THIS))->store));
}
/* }}} */

/* ---------------------------------------------------------------------------------------- */
/* Functions                                                                                 */

/* {{{ version(): string */
PHP_FUNCTION(Weixinkit_Ext_version)
{
	ZEND_PARSE_PARAMETERS_NONE();
	const char *v = wxk_version();
	RETURN_STRING(v != NULL ? v : "");
}
/* }}} */

/* {{{ log_enable(string $level): void — keep the library's records for log_drain() */
PHP_FUNCTION(Weixinkit_Ext_log_enable)
{
	char *level;
	size_t level_len;
	char *error = NULL;

	ZEND_PARSE_PARAMETERS_START(1, 1)
		Z_PARAM_STRING(level, level_len)
	ZEND_PARSE_PARAMETERS_END();

	int32_t status = wxk_log_enable(level, level_len, &error, NULL);
	if (status != 0) {
		wxk_throw(status, error);
		return;
	}
	wxk_string_free(error);
}
/* }}} */

/* {{{ log_disable(): void */
PHP_FUNCTION(Weixinkit_Ext_log_disable)
{
	ZEND_PARSE_PARAMETERS_NONE();
	wxk_log_disable();
}
/* }}} */

/* {{{ log_drain(): array {records: list<array>, dropped: int} — on the PHP thread only */
PHP_FUNCTION(Weixinkit_Ext_log_drain)
{
	char *out = NULL;
	size_t out_len = 0;

	ZEND_PARSE_PARAMETERS_NONE();
	int32_t status = wxk_log_drain(&out, &out_len);
	wxk_return_json_value(return_value, status, out, out_len);
}
/* }}} */

/* parse_message and parse_message_object. */
static void wxk_parse_message_as(INTERNAL_FUNCTION_PARAMETERS, bool object)
{
	char *doc;
	size_t doc_len;
	WxkMessage *message = NULL;
	char *error = NULL;

	ZEND_PARSE_PARAMETERS_START(1, 1)
		Z_PARAM_STRING(doc, doc_len)
	ZEND_PARSE_PARAMETERS_END();

	int32_t status = wxk_parse_message_items(doc, doc_len, &message, &error);
	wxk_return_message_result(return_value, status, message, error, object);
}

/* {{{ parse_message(string $xmlOrJson): array [event, fields] */
PHP_FUNCTION(Weixinkit_Ext_parse_message)
{
	wxk_parse_message_as(INTERNAL_FUNCTION_PARAM_PASSTHRU, false);
}
/* }}} */

/* {{{ parse_message_object(string $xmlOrJson): \Weixinkit\Message */
PHP_FUNCTION(Weixinkit_Ext_parse_message_object)
{
	wxk_parse_message_as(INTERNAL_FUNCTION_PARAM_PASSTHRU, true);
}
/* }}} */

/* {{{ parse_fields(string $xmlOrJson): array */
PHP_FUNCTION(Weixinkit_Ext_parse_fields)
{
	char *doc;
	size_t doc_len;
	char *out = NULL;
	size_t out_len = 0;

	ZEND_PARSE_PARAMETERS_START(1, 1)
		Z_PARAM_STRING(doc, doc_len)
	ZEND_PARSE_PARAMETERS_END();

	int32_t status = wxk_parse_fields(doc, doc_len, &out, &out_len);
	wxk_return_json_value(return_value, status, out, out_len);
}
/* }}} */

/* {{{ check_signature(string $token, string $signature, string $timestamp, string $nonce): bool */
PHP_FUNCTION(Weixinkit_Ext_check_signature)
{
	char *token, *sig, *ts, *nonce;
	size_t token_len, sig_len, ts_len, nonce_len;
	bool valid = false;
	char *error = NULL;

	ZEND_PARSE_PARAMETERS_START(4, 4)
		Z_PARAM_STRING(token, token_len)
		Z_PARAM_STRING(sig, sig_len)
		Z_PARAM_STRING(ts, ts_len)
		Z_PARAM_STRING(nonce, nonce_len)
	ZEND_PARSE_PARAMETERS_END();

	int32_t status = wxk_check_signature(token, token_len, sig, sig_len, ts, ts_len, nonce, nonce_len, &valid, &error);
	if (status != 0) {
		wxk_throw(status, error);
		return;
	}
	wxk_string_free(error);
	RETURN_BOOL(valid);
}
/* }}} */

/* {{{ msg_signature(string $token, string $timestamp, string $nonce, string $encrypt): string */
PHP_FUNCTION(Weixinkit_Ext_msg_signature)
{
	char *token, *ts, *nonce, *encrypt;
	size_t token_len, ts_len, nonce_len, encrypt_len;
	char *out = NULL;
	size_t out_len = 0;

	ZEND_PARSE_PARAMETERS_START(4, 4)
		Z_PARAM_STRING(token, token_len)
		Z_PARAM_STRING(ts, ts_len)
		Z_PARAM_STRING(nonce, nonce_len)
		Z_PARAM_STRING(encrypt, encrypt_len)
	ZEND_PARSE_PARAMETERS_END();

	int32_t status = wxk_msg_signature(token, token_len, ts, ts_len, nonce, nonce_len, encrypt, encrypt_len, &out, &out_len);
	wxk_return_string(return_value, status, out, out_len);
}
/* }}} */

/* {{{ decode_aes_key(string $encodingAesKey): string (32 bytes) */
PHP_FUNCTION(Weixinkit_Ext_decode_aes_key)
{
	char *key;
	size_t key_len;
	char *error = NULL;
	zend_string *raw;

	ZEND_PARSE_PARAMETERS_START(1, 1)
		Z_PARAM_STRING(key, key_len)
	ZEND_PARSE_PARAMETERS_END();

	raw = zend_string_alloc(32, 0);
	int32_t status = wxk_decode_aes_key(key, key_len, (uint8_t *) ZSTR_VAL(raw), 32, &error);
	if (status != 0) {
		zend_string_efree(raw);
		wxk_throw(status, error);
		return;
	}
	wxk_string_free(error);
	ZSTR_VAL(raw)[32] = '\0';
	RETURN_NEW_STR(raw);
}
/* }}} */

/* The reply builders: (to, from, createTime, text) -> XML. */
typedef int32_t (*wxk_reply_fn)(const char *, size_t, const char *, size_t, int64_t, const char *,
	size_t, char **, size_t *);

static void wxk_reply(INTERNAL_FUNCTION_PARAMETERS, wxk_reply_fn fn)
{
	char *to, *from, *text;
	size_t to_len, from_len, text_len;
	zend_long create_time;
	char *out = NULL;
	size_t out_len = 0;

	ZEND_PARSE_PARAMETERS_START(4, 4)
		Z_PARAM_STRING(to, to_len)
		Z_PARAM_STRING(from, from_len)
		Z_PARAM_LONG(create_time)
		Z_PARAM_STRING(text, text_len)
	ZEND_PARSE_PARAMETERS_END();

	int32_t status = fn(to, to_len, from, from_len, (int64_t) create_time, text, text_len, &out, &out_len);
	wxk_return_string(return_value, status, out, out_len);
}

/* {{{ text_reply(string $to, string $from, int $createTime, string $content): string */
PHP_FUNCTION(Weixinkit_Ext_text_reply)
{
	wxk_reply(INTERNAL_FUNCTION_PARAM_PASSTHRU, wxk_text_reply);
}
/* }}} */

/* {{{ image_reply(string $to, string $from, int $createTime, string $mediaId): string */
PHP_FUNCTION(Weixinkit_Ext_image_reply)
{
	wxk_reply(INTERNAL_FUNCTION_PARAM_PASSTHRU, wxk_image_reply);
}
/* }}} */

/* {{{ news_reply(string $to, string $from, int $createTime, string $articlesJson): string */
PHP_FUNCTION(Weixinkit_Ext_news_reply)
{
	wxk_reply(INTERNAL_FUNCTION_PARAM_PASSTHRU, wxk_news_reply);
}
/* }}} */

/* ---------------------------------------------------------------------------------------- */
/* Argument information                                                                      */

ZEND_BEGIN_ARG_WITH_RETURN_OBJ_INFO_EX(arginfo_crypto_create, 0, 3, Weixinkit\\Ext\\Crypto, 0)
	ZEND_ARG_TYPE_INFO(0, token, IS_STRING, 0)
	ZEND_ARG_TYPE_INFO(0, encodingAesKey, IS_STRING, 0)
	ZEND_ARG_TYPE_INFO(0, receiverId, IS_STRING, 0)
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_OBJ_INFO_EX(arginfo_crypto_with_options, 0, 3, Weixinkit\\Ext\\Crypto, 0)
	ZEND_ARG_TYPE_INFO(0, token, IS_STRING, 0)
	ZEND_ARG_TYPE_INFO(0, encodingAesKey, IS_STRING, 0)
	ZEND_ARG_TYPE_INFO(0, optionsJson, IS_STRING, 0)
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_crypto_decrypt, 0, 4, IS_STRING, 0)
	ZEND_ARG_TYPE_INFO(0, msgSignature, IS_STRING, 0)
	ZEND_ARG_TYPE_INFO(0, timestamp, IS_STRING, 0)
	ZEND_ARG_TYPE_INFO(0, nonce, IS_STRING, 0)
	ZEND_ARG_TYPE_INFO(0, text, IS_STRING, 0)
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_crypto_decrypt_message, 0, 4, IS_ARRAY, 0)
	ZEND_ARG_TYPE_INFO(0, msgSignature, IS_STRING, 0)
	ZEND_ARG_TYPE_INFO(0, timestamp, IS_STRING, 0)
	ZEND_ARG_TYPE_INFO(0, nonce, IS_STRING, 0)
	ZEND_ARG_TYPE_INFO(0, body, IS_STRING, 0)
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_OBJ_INFO_EX(arginfo_crypto_decrypt_message_object, 0, 4, Weixinkit\\Message, 0)
	ZEND_ARG_TYPE_INFO(0, msgSignature, IS_STRING, 0)
	ZEND_ARG_TYPE_INFO(0, timestamp, IS_STRING, 0)
	ZEND_ARG_TYPE_INFO(0, nonce, IS_STRING, 0)
	ZEND_ARG_TYPE_INFO(0, body, IS_STRING, 0)
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_OBJ_INFO_EX(arginfo_parse_object, 0, 1, Weixinkit\\Message, 0)
	ZEND_ARG_TYPE_INFO(0, xmlOrJson, IS_STRING, 0)
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_INFO_EX(arginfo_fields_construct, 0, 0, 0)
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_fields_to_array, 0, 0, IS_ARRAY, 0)
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_crypto_encrypt, 0, 3, IS_STRING, 0)
	ZEND_ARG_TYPE_INFO(0, plaintext, IS_STRING, 0)
	ZEND_ARG_TYPE_INFO(0, timestamp, IS_STRING, 0)
	ZEND_ARG_TYPE_INFO(0, nonce, IS_STRING, 0)
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_OBJ_INFO_EX(arginfo_client_new, 0, 1, Weixinkit\\Ext\\Client, 0)
	ZEND_ARG_TYPE_INFO(0, configJson, IS_STRING, 0)
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_client_call, 0, 2, IS_STRING, 0)
	ZEND_ARG_TYPE_INFO(0, method, IS_STRING, 0)
	ZEND_ARG_TYPE_INFO(0, argsJson, IS_STRING, 0)
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_OBJ_INFO_EX(arginfo_host_store_register, 0, 1, Weixinkit\\Ext\\HostStore, 0)
	ZEND_ARG_TYPE_INFO(0, bridge, IS_OBJECT, 0)
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_host_store_id, 0, 0, IS_LONG, 0)
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_version, 0, 0, IS_STRING, 0)
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_log_enable, 0, 1, IS_VOID, 0)
	ZEND_ARG_TYPE_INFO(0, level, IS_STRING, 0)
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_log_disable, 0, 0, IS_VOID, 0)
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_log_drain, 0, 0, IS_ARRAY, 0)
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_parse, 0, 1, IS_ARRAY, 0)
	ZEND_ARG_TYPE_INFO(0, xmlOrJson, IS_STRING, 0)
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_check_signature, 0, 4, _IS_BOOL, 0)
	ZEND_ARG_TYPE_INFO(0, token, IS_STRING, 0)
	ZEND_ARG_TYPE_INFO(0, signature, IS_STRING, 0)
	ZEND_ARG_TYPE_INFO(0, timestamp, IS_STRING, 0)
	ZEND_ARG_TYPE_INFO(0, nonce, IS_STRING, 0)
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_msg_signature, 0, 4, IS_STRING, 0)
	ZEND_ARG_TYPE_INFO(0, token, IS_STRING, 0)
	ZEND_ARG_TYPE_INFO(0, timestamp, IS_STRING, 0)
	ZEND_ARG_TYPE_INFO(0, nonce, IS_STRING, 0)
	ZEND_ARG_TYPE_INFO(0, encrypt, IS_STRING, 0)
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_decode_aes_key, 0, 1, IS_STRING, 0)
	ZEND_ARG_TYPE_INFO(0, encodingAesKey, IS_STRING, 0)
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_reply, 0, 4, IS_STRING, 0)
	ZEND_ARG_TYPE_INFO(0, toUserName, IS_STRING, 0)
	ZEND_ARG_TYPE_INFO(0, fromUserName, IS_STRING, 0)
	ZEND_ARG_TYPE_INFO(0, createTime, IS_LONG, 0)
	ZEND_ARG_TYPE_INFO(0, text, IS_STRING, 0)
ZEND_END_ARG_INFO()

static const zend_function_entry wxk_crypto_methods[] = {
	PHP_ME(Weixinkit_Ext_Crypto, create, arginfo_crypto_create, ZEND_ACC_PUBLIC | ZEND_ACC_STATIC)
	PHP_ME(Weixinkit_Ext_Crypto, withOptions, arginfo_crypto_with_options, ZEND_ACC_PUBLIC | ZEND_ACC_STATIC)
	PHP_ME(Weixinkit_Ext_Crypto, decrypt, arginfo_crypto_decrypt, ZEND_ACC_PUBLIC)
	PHP_ME(Weixinkit_Ext_Crypto, decryptBody, arginfo_crypto_decrypt, ZEND_ACC_PUBLIC)
	PHP_ME(Weixinkit_Ext_Crypto, decryptMessage, arginfo_crypto_decrypt_message, ZEND_ACC_PUBLIC)
	PHP_ME(Weixinkit_Ext_Crypto, decryptMessageObject, arginfo_crypto_decrypt_message_object, ZEND_ACC_PUBLIC)
	PHP_ME(Weixinkit_Ext_Crypto, verifyUrl, arginfo_crypto_decrypt, ZEND_ACC_PUBLIC)
	PHP_ME(Weixinkit_Ext_Crypto, encryptReply, arginfo_crypto_encrypt, ZEND_ACC_PUBLIC)
	PHP_ME(Weixinkit_Ext_Crypto, encryptReplyJson, arginfo_crypto_encrypt, ZEND_ACC_PUBLIC)
	PHP_FE_END
};

static const zend_function_entry wxk_client_methods[] = {
	PHP_ME(Weixinkit_Ext_Client, officialAccount, arginfo_client_new, ZEND_ACC_PUBLIC | ZEND_ACC_STATIC)
	PHP_ME(Weixinkit_Ext_Client, component, arginfo_client_new, ZEND_ACC_PUBLIC | ZEND_ACC_STATIC)
	PHP_ME(Weixinkit_Ext_Client, provider, arginfo_client_new, ZEND_ACC_PUBLIC | ZEND_ACC_STATIC)
	PHP_ME(Weixinkit_Ext_Client, suite, arginfo_client_new, ZEND_ACC_PUBLIC | ZEND_ACC_STATIC)
	PHP_ME(Weixinkit_Ext_Client, workAccount, arginfo_client_new, ZEND_ACC_PUBLIC | ZEND_ACC_STATIC)
	PHP_ME(Weixinkit_Ext_Client, websiteApp, arginfo_client_new, ZEND_ACC_PUBLIC | ZEND_ACC_STATIC)
	PHP_ME(Weixinkit_Ext_Client, oauthState, arginfo_client_new, ZEND_ACC_PUBLIC | ZEND_ACC_STATIC)
	PHP_ME(Weixinkit_Ext_Client, call, arginfo_client_call, ZEND_ACC_PUBLIC)
	PHP_FE_END
};

static const zend_function_entry wxk_host_store_methods[] = {
	PHP_ME(Weixinkit_Ext_HostStore, register, arginfo_host_store_register, ZEND_ACC_PUBLIC | ZEND_ACC_STATIC)
	PHP_ME(Weixinkit_Ext_HostStore, id, arginfo_host_store_id, ZEND_ACC_PUBLIC)
	PHP_FE_END
};

static const zend_function_entry wxk_functions[] = {
	ZEND_NS_FALIAS("Weixinkit\\Ext", version, Weixinkit_Ext_version, arginfo_version)
	ZEND_NS_FALIAS("Weixinkit\\Ext", parse_message, Weixinkit_Ext_parse_message, arginfo_parse)
	ZEND_NS_FALIAS("Weixinkit\\Ext", parse_message_object, Weixinkit_Ext_parse_message_object, arginfo_parse_object)
	ZEND_NS_FALIAS("Weixinkit\\Ext", parse_fields, Weixinkit_Ext_parse_fields, arginfo_parse)
	ZEND_NS_FALIAS("Weixinkit\\Ext", check_signature, Weixinkit_Ext_check_signature, arginfo_check_signature)
	ZEND_NS_FALIAS("Weixinkit\\Ext", msg_signature, Weixinkit_Ext_msg_signature, arginfo_msg_signature)
	ZEND_NS_FALIAS("Weixinkit\\Ext", decode_aes_key, Weixinkit_Ext_decode_aes_key, arginfo_decode_aes_key)
	ZEND_NS_FALIAS("Weixinkit\\Ext", text_reply, Weixinkit_Ext_text_reply, arginfo_reply)
	ZEND_NS_FALIAS("Weixinkit\\Ext", image_reply, Weixinkit_Ext_image_reply, arginfo_reply)
	ZEND_NS_FALIAS("Weixinkit\\Ext", news_reply, Weixinkit_Ext_news_reply, arginfo_reply)
	ZEND_NS_FALIAS("Weixinkit\\Ext", log_enable, Weixinkit_Ext_log_enable, arginfo_log_enable)
	ZEND_NS_FALIAS("Weixinkit\\Ext", log_disable, Weixinkit_Ext_log_disable, arginfo_log_disable)
	ZEND_NS_FALIAS("Weixinkit\\Ext", log_drain, Weixinkit_Ext_log_drain, arginfo_log_drain)
	PHP_FE_END
};

/* ---------------------------------------------------------------------------------------- */
/* Module                                                                                    */

/* Mark parameter `n` of `fn` (in `table`) #[\SensitiveParameter]: tokens, keys, configurations
 * with secrets never show in stack traces. */
static const zend_function_entry wxk_fields_methods[] = {
	PHP_ME(Weixinkit_Ext_Fields, __construct, arginfo_fields_construct, ZEND_ACC_PRIVATE)
	PHP_ME(Weixinkit_Ext_Fields, toArray, arginfo_fields_to_array, ZEND_ACC_PUBLIC)
	PHP_FE_END
};

static void wxk_sensitive(HashTable *table, const char *fn, uint32_t n)
{
	zend_function *f = zend_hash_str_find_ptr(table, fn, strlen(fn));
	if (f != NULL) {
		zend_add_parameter_attribute(f, n, ZSTR_KNOWN(ZEND_STR_SENSITIVEPARAMETER), 0);
	}
}

PHP_MINIT_FUNCTION(weixinkit)
{
	zend_class_entry ce;

	INIT_NS_CLASS_ENTRY(ce, "Weixinkit\\Ext", "Crypto", wxk_crypto_methods);
	wxk_crypto_ce = zend_register_internal_class(&ce);
	wxk_crypto_ce->ce_flags |= ZEND_ACC_FINAL | ZEND_ACC_NO_DYNAMIC_PROPERTIES | ZEND_ACC_NOT_SERIALIZABLE;
	wxk_crypto_ce->create_object = wxk_crypto_create;
	memcpy(&wxk_crypto_handlers, zend_get_std_object_handlers(), sizeof(zend_object_handlers));
	wxk_crypto_handlers.offset = XtOffsetOf(wxk_crypto_object, std);
	wxk_crypto_handlers.free_obj = wxk_crypto_free_obj;
	wxk_crypto_handlers.clone_obj = NULL;

	INIT_NS_CLASS_ENTRY(ce, "Weixinkit\\Ext", "Client", wxk_client_methods);
	wxk_client_ce = zend_register_internal_class(&ce);
	wxk_client_ce->ce_flags |= ZEND_ACC_FINAL | ZEND_ACC_NO_DYNAMIC_PROPERTIES | ZEND_ACC_NOT_SERIALIZABLE;
	wxk_client_ce->create_object = wxk_client_create;
	memcpy(&wxk_client_handlers, zend_get_std_object_handlers(), sizeof(zend_object_handlers));
	wxk_client_handlers.offset = XtOffsetOf(wxk_client_object, std);
	wxk_client_handlers.free_obj = wxk_client_free_obj;
	wxk_client_handlers.clone_obj = NULL;

	INIT_NS_CLASS_ENTRY(ce, "Weixinkit\\Ext", "Fields", wxk_fields_methods);
	wxk_fields_ce = zend_register_internal_class(&ce);
	wxk_fields_ce->ce_flags |= ZEND_ACC_FINAL | ZEND_ACC_NO_DYNAMIC_PROPERTIES | ZEND_ACC_NOT_SERIALIZABLE;
	wxk_fields_ce->create_object = wxk_fields_create;
	memcpy(&wxk_fields_handlers, zend_get_std_object_handlers(), sizeof(zend_object_handlers));
	wxk_fields_handlers.offset = XtOffsetOf(wxk_fields_object, std);
	wxk_fields_handlers.free_obj = wxk_fields_free_obj;
	wxk_fields_handlers.clone_obj = NULL;

	wxk_message_class_name = zend_string_init_interned("Weixinkit\\Message", sizeof("Weixinkit\\Message") - 1, 1);
	wxk_message_class_lc = zend_string_init_interned("weixinkit\\message", sizeof("weixinkit\\message") - 1, 1);
	wxk_prop_type = zend_string_init_interned("type", 4, 1);
	wxk_prop_event = zend_string_init_interned("event", 5, 1);
	wxk_prop_fields = zend_string_init_interned("fields", 6, 1);
	wxk_prop_pending = zend_string_init_interned("pending", 7, 1);

	INIT_NS_CLASS_ENTRY(ce, "Weixinkit\\Ext", "HostStore", wxk_host_store_methods);
	wxk_host_store_ce = zend_register_internal_class(&ce);
	wxk_host_store_ce->ce_flags |= ZEND_ACC_FINAL | ZEND_ACC_NO_DYNAMIC_PROPERTIES | ZEND_ACC_NOT_SERIALIZABLE;
	wxk_host_store_ce->create_object = wxk_host_store_create;
	memcpy(&wxk_host_store_handlers, zend_get_std_object_handlers(), sizeof(zend_object_handlers));
	wxk_host_store_handlers.offset = XtOffsetOf(wxk_host_store_object, std);
	wxk_host_store_handlers.free_obj = wxk_host_store_free_obj;
	wxk_host_store_handlers.clone_obj = NULL;

	wxk_sensitive(&wxk_crypto_ce->function_table, "create", 0);
	wxk_sensitive(&wxk_crypto_ce->function_table, "create", 1);
	wxk_sensitive(&wxk_crypto_ce->function_table, "withoptions", 0);
	wxk_sensitive(&wxk_crypto_ce->function_table, "withoptions", 1);
	wxk_sensitive(&wxk_client_ce->function_table, "officialaccount", 0);
	wxk_sensitive(&wxk_client_ce->function_table, "component", 0);
	wxk_sensitive(&wxk_client_ce->function_table, "provider", 0);
	wxk_sensitive(&wxk_client_ce->function_table, "suite", 0);
	wxk_sensitive(&wxk_client_ce->function_table, "workaccount", 0);
	wxk_sensitive(&wxk_client_ce->function_table, "websiteapp", 0);
	wxk_sensitive(&wxk_client_ce->function_table, "oauthstate", 0);
	wxk_sensitive(&wxk_client_ce->function_table, "call", 1);
	wxk_sensitive(CG(function_table), "weixinkit\\ext\\check_signature", 0);
	wxk_sensitive(CG(function_table), "weixinkit\\ext\\msg_signature", 0);
	wxk_sensitive(CG(function_table), "weixinkit\\ext\\decode_aes_key", 0);

	return SUCCESS;
}

PHP_MINFO_FUNCTION(weixinkit)
{
	const char *v = wxk_version();
	php_info_print_table_start();
	php_info_print_table_row(2, "weixinkit support", "enabled");
	php_info_print_table_row(2, "extension version", PHP_WEIXINKIT_VERSION);
	php_info_print_table_row(2, "library version", v != NULL ? v : "unknown");
	php_info_print_table_end();
}

static const zend_module_dep wxk_deps[] = {
	ZEND_MOD_REQUIRED("json")
	ZEND_MOD_REQUIRED("spl")
	ZEND_MOD_END
};

zend_module_entry weixinkit_module_entry = {
	STANDARD_MODULE_HEADER_EX,
	NULL,
	wxk_deps,
	"weixinkit",
	wxk_functions,
	PHP_MINIT(weixinkit),
	NULL,
	NULL,
	NULL,
	PHP_MINFO(weixinkit),
	PHP_WEIXINKIT_VERSION,
	STANDARD_MODULE_PROPERTIES
};

#ifdef COMPILE_DL_WEIXINKIT
#ifdef ZTS
ZEND_TSRMLS_CACHE_DEFINE()
#endif
ZEND_GET_MODULE(weixinkit)
#endif
