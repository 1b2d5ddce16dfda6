package paysim

import (
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strings"

	"mall/services/pay/provider"
)

// The pay page: what the shopper's browser shows. No API key: the charge id in
// the URL is the capability, as with a real hosted checkout page.

type pageTemplates struct{ pay, notFound *template.Template }

const pageCSS = `
*{box-sizing:border-box}
body{margin:0;min-height:100vh;display:flex;align-items:center;justify-content:center;
 background:#f2f4f7;color:#1d2433;font:16px/1.5 -apple-system,BlinkMacSystemFont,"Segoe UI","PingFang SC","Microsoft YaHei",sans-serif;padding:16px}
.card{width:100%;max-width:420px;background:#fff;border-radius:16px;box-shadow:0 8px 28px rgba(16,24,40,.10);overflow:hidden}
.head{background:#1f6feb;color:#fff;padding:18px 22px;display:flex;justify-content:space-between;align-items:center}
.head b{font-size:17px}.head span{font-size:12px;opacity:.85;border:1px solid rgba(255,255,255,.5);border-radius:99px;padding:1px 8px}
.body{padding:22px}
.label{color:#667085;font-size:13px}
.amount{font-size:40px;font-weight:700;letter-spacing:-.5px;margin:2px 0 16px}
dl{margin:0 0 20px;display:grid;grid-template-columns:auto 1fr;gap:6px 14px;font-size:14px}
dt{color:#667085}dd{margin:0;word-break:break-all;font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:13px}
.buttons{display:grid;gap:10px}
button,.btn{display:block;width:100%;border:0;border-radius:10px;padding:14px;font-size:16px;font-weight:600;cursor:pointer;text-align:center;text-decoration:none}
.approve{background:#12b76a;color:#fff}.approve:active{background:#039855}
.decline{background:#fff;color:#b42318;border:1px solid #fda29b}.decline:active{background:#fef3f2}
.link{background:#1f6feb;color:#fff}
.status{border-radius:10px;padding:12px 14px;margin-bottom:18px;font-weight:600}
.status.succeeded{background:#ecfdf3;color:#027a48}.status.declined,.status.cancelled{background:#fef3f2;color:#b42318}
.status.refunded{background:#f2f4f7;color:#344054}.status.pending{background:#fffaeb;color:#b54708}
.note{color:#98a2b3;font-size:12px;text-align:center;margin-top:16px}
`

// The pages have no icon: href="data:," keeps browsers from asking for a
// /favicon.ico the simulator does not serve (a 404 in the console).
const payHTML = `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1"><link rel="icon" href="data:,">
<title>支付 Pay {{.Amount}}</title><style>{{.CSS}}</style></head>
<body><main class="card">
<div class="head"><b>PaySim 收银台</b><span>模拟 · simulator</span></div>
<div class="body">
{{if .Message}}<div class="status {{.C.Status}}">{{.Message}}</div>{{end}}
<div class="label">应付金额 Amount due</div>
<div class="amount">{{.Amount}}</div>
<dl>
<dt>订单 Order</dt><dd>{{.C.OrderID}}</dd>
<dt>商户单号 Reference</dt><dd>{{.C.Reference}}</dd>
{{if .C.Description}}<dt>说明 For</dt><dd>{{.C.Description}}</dd>{{end}}
<dt>交易 Charge</dt><dd>{{.C.ID}}</dd>
</dl>
{{if .Pending}}
<div class="buttons">
<form method="post" action="/pay/{{.C.ID}}/approve"><button class="approve" type="submit">确认支付 Pay {{.Amount}}</button></form>
<form method="post" action="/pay/{{.C.ID}}/decline"><button class="decline" type="submit">拒绝 Decline</button></form>
</div>
{{else if .Return}}
<a class="btn link" href="{{.Return}}">返回商户 Back to the shop</a>
{{end}}
<p class="note">这是模拟支付页面，不会产生真实扣款。<br>A simulated payment page: no real money moves.</p>
</div></main></body></html>`

const notFoundHTML = `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1"><link rel="icon" href="data:,">
<title>未找到 Not found</title><style>{{.CSS}}</style></head>
<body><main class="card">
<div class="head"><b>PaySim 收银台</b><span>模拟 · simulator</span></div>
<div class="body"><div class="status declined">未找到该交易 No such charge</div>
<dl><dt>交易 Charge</dt><dd>{{.ID}}</dd></dl></div></main></body></html>`

func newPageTemplates() pageTemplates {
	return pageTemplates{
		pay:      template.Must(template.New("pay").Parse(payHTML)),
		notFound: template.Must(template.New("notfound").Parse(notFoundHTML)),
	}
}

type payView struct {
	C       provider.Charge
	Amount  string
	Pending bool
	Message string
	Return  string // back to the shop, with the outcome appended
	CSS     template.CSS
}

func formatAmount(cents int64, currency string) string {
	sign := ""
	if cents < 0 {
		sign, cents = "-", -cents
	}
	n := fmt.Sprintf("%s%d.%02d", sign, cents/100, cents%100)
	if currency == "" || currency == "CNY" {
		return "¥" + n
	}
	return currency + " " + n
}

var statusText = map[provider.ChargeStatus]string{
	provider.ChargePending:   "待支付 Awaiting payment",
	provider.ChargeSucceeded: "支付成功 Payment succeeded",
	provider.ChargeDeclined:  "支付失败 Payment declined",
	provider.ChargeCancelled: "已取消 Cancelled by the shop",
	provider.ChargeRefunded:  "已退款 Refunded",
}

func (s *Simulator) render(w http.ResponseWriter, status int, c provider.Charge, message string) {
	v := payView{
		C:       c,
		Amount:  formatAmount(c.AmountCents, c.Currency),
		Pending: c.Status == provider.ChargePending,
		Message: message,
		CSS:     template.CSS(pageCSS),
	}
	if c.ReturnURL != "" {
		v.Return = returnURL(c)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	if err := s.page.pay.Execute(w, v); err != nil {
		s.log.Error("pay page", "charge", c.ID, "err", err)
	}
}

func (s *Simulator) renderNotFound(w http.ResponseWriter, id string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusNotFound)
	_ = s.page.notFound.Execute(w, struct {
		CSS template.CSS
		ID  string
	}{template.CSS(pageCSS), id})
}

// returnURL is the charge's return_url with ?charge=<id>&status=<status> added.
func returnURL(c provider.Charge) string {
	u, err := url.Parse(c.ReturnURL)
	if err != nil {
		return c.ReturnURL
	}
	q := u.Query()
	q.Set("charge", c.ID)
	q.Set("status", string(c.Status))
	u.RawQuery = q.Encode()
	return u.String()
}

func (s *Simulator) payPage(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	c, err := s.charge(id)
	if err != nil {
		s.renderNotFound(w, id)
		return
	}
	msg := ""
	if c.Status != provider.ChargePending {
		msg = statusText[c.Status]
		if c.DeclineReason != "" {
			msg += " · " + c.DeclineReason
		}
	}
	s.render(w, http.StatusOK, c, msg)
}

func wantsJSON(r *http.Request) bool {
	return strings.Contains(r.Header.Get("Accept"), "application/json")
}

// customerAction is the click on approve or decline.
func (s *Simulator) customerAction(w http.ResponseWriter, r *http.Request, approve bool) {
	id := r.PathValue("id")
	c, err := s.act(id, approve)
	if wantsJSON(r) {
		if err != nil {
			writeAPIError(w, err)
			return
		}
		writeJSON(w, http.StatusOK, c)
		return
	}
	var ae *apiError
	switch {
	case errors.As(err, &ae) && ae.code == "not_found":
		s.renderNotFound(w, id)
	case err != nil:
		msg := "该交易已处理 This charge is no longer pending: " + statusText[c.Status]
		s.render(w, http.StatusConflict, c, msg)
	case c.ReturnURL != "":
		http.Redirect(w, r, returnURL(c), http.StatusSeeOther)
	default:
		msg := statusText[c.Status]
		if c.DeclineReason != "" {
			msg += " · " + c.DeclineReason
		}
		s.render(w, http.StatusOK, c, msg)
	}
}
