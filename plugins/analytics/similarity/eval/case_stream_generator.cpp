#include "case_stream_generator.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <random>
#include <string>
#include <vector>

namespace cxloop::analytics::eval {
namespace {

constexpr std::int64_t kDay = 86400;
constexpr std::int64_t kEpoch = 1767225600;  // 2026-01-01T00:00:00Z

enum Language { en, de, fr, es };

// Seeded randomness with explicit arithmetic, so a seed gives the same stream everywhere.
class Random {
 public:
  explicit Random(std::uint64_t seed) : engine_(seed) {}
  std::uint64_t next() { return engine_(); }
  int below(int n) { return n <= 1 ? 0 : static_cast<int>(next() % static_cast<std::uint64_t>(n)); }
  double unit() { return static_cast<double>(next() >> 11) / 9007199254740992.0; }
  bool chance(double p) { return unit() < p; }
  template <typename T>
  const T& pick(const std::vector<T>& items) {
    return items[static_cast<std::size_t>(below(static_cast<int>(items.size())))];
  }

 private:
  std::mt19937_64 engine_;
};

struct Product {
  std::string sku;
  std::string name;
  std::array<std::string, 4> noun;  // en, de, fr, es
  std::vector<std::string> batches;
};

// Sentences per language; {n} is the product noun, {p} its name, {v} the problem's own detail
// (an error code, a depot, a payment method), {o} an order number.
using Phrases = std::array<std::vector<std::string>, 4>;

struct Failure {
  std::string key;
  std::string category;
  std::vector<std::string> skus;  // products it can hit; empty: any
  bool batches = true;            // confined to some batches
  std::vector<std::string> variants;
  std::vector<std::string> subjects;
  Phrases text;
};

struct Topic {
  std::string category;
  std::vector<std::string> subjects;
  Phrases text;
};

const std::vector<Product>& products() {
  static const std::vector<Product> list = {
      {"KT-200", "AquaBoil 200", {"kettle", "Wasserkocher", "bouilloire", "hervidor"}, {}},
      {"CM-310",
       "BrewMaster 310",
       {"coffee machine", "Kaffeemaschine", "machine a cafe", "cafetera"},
       {}},
      {"PH-10", "Nova 10", {"phone", "Handy", "telephone", "telefono"}, {}},
      {"TB-8", "Slate 8", {"tablet", "Tablet", "tablette", "tableta"}, {}},
      {"HP-5", "Pulse 5", {"headphones", "Kopfhoerer", "casque", "auriculares"}, {}},
      {"RT-900", "LinkHub 900", {"router", "Router", "routeur", "router"}, {}},
      {"VC-40", "Cyclo 40", {"vacuum cleaner", "Staubsauger", "aspirateur", "aspiradora"}, {}},
      {"WM-7", "AquaWash 7", {"washing machine", "Waschmaschine", "lave-linge", "lavadora"}, {}},
      {"SW-3", "Tempo 3", {"smartwatch", "Smartwatch", "montre", "reloj"}, {}},
      {"CH-65", "PowerBrick 65", {"charger", "Ladegeraet", "chargeur", "cargador"}, {}},
  };
  return list;
}

const std::vector<Failure>& failures() {
  static const std::vector<Failure> list = {
      {"leak",
       "product_quality",
       {"KT-200", "CM-310", "WM-7"},
       true,
       {""},
       {"{n} leaking", "Leak from the bottom", "Water everywhere"},
       {{{"the {n} leaks water from the base",
          "there is a puddle under the {n} every time I use it",
          "water is leaking out of the bottom of my {n}",
          "the {n} drips from underneath after filling it"},
         {"{n} ist undicht, unten laeuft Wasser heraus", "unter dem {n} ist immer eine Pfuetze"},
         {"la {n} fuit par le dessous, il y a de l'eau partout"},
         {"el {n} pierde agua por la base", "hay un charco debajo del {n}"}}}},
      {"dead",
       "product_quality",
       {},
       true,
       {""},
       {"{n} won't turn on", "Dead on arrival", "Not working at all"},
       {{{"the {n} does not turn on anymore", "{n} is completely dead, no lights at all",
          "pressed the power button but nothing happens, the {n} won't switch on",
          "my {n} stopped working, it shows no sign of power"},
         {"{n} laesst sich nicht mehr einschalten, keine Reaktion"},
         {"{n} ne s'allume plus du tout"},
         {"el {n} no enciende, no hay ninguna luz"}}}},
      {"heat",
       "product_quality",
       {"PH-10", "TB-8", "CH-65", "SW-3"},
       true,
       {""},
       {"{n} overheating", "Burning smell", "Gets very hot"},
       {{{"the {n} gets extremely hot while charging",
          "the {n} overheats and smells like burning plastic",
          "very hot to touch after a few minutes of charging, I am worried it will catch fire",
          "{n} heats up so much when charging that I cannot hold it"},
         {"{n} wird beim Laden extrem heiss und riecht verbrannt"},
         {"{n} chauffe enormement pendant la charge"},
         {"el {n} se calienta muchisimo al cargar"}}}},
      {"battery",
       "product_quality",
       {"PH-10", "TB-8", "SW-3", "HP-5"},
       false,
       {"7.14", "5.02", "3.91"},
       {"Battery drain after update", "{n} battery dies fast", "Battery empty in hours"},
       {{{"since update {v} the battery drains within a few hours",
          "the {n} battery goes from full to empty in half a day after installing {v}",
          "battery life is terrible since software update {v}",
          "after the {v} update my {n} needs charging twice a day"},
         {"seit dem Update {v} ist der Akku in wenigen Stunden leer"},
         {"depuis la mise a jour {v} la batterie se vide en quelques heures"},
         {"desde la actualizacion {v} la bateria se agota en pocas horas"}}}},
      {"wifi",
       "product_quality",
       {"RT-900", "TB-8", "PH-10", "SW-3"},
       false,
       {"2.17", "4.40", "1.88"},
       {"WiFi keeps dropping", "Connection drops", "Internet disconnects"},
       {{{"wifi keeps disconnecting every few minutes since firmware {v}",
          "the {n} drops the wireless connection all the time after firmware {v}",
          "internet connection cuts out constantly since the {v} firmware",
          "wireless signal disappears every ten minutes, started with firmware {v}"},
         {"WLAN bricht seit Firmware {v} alle paar Minuten ab"},
         {"le wifi se deconnecte toutes les cinq minutes depuis le firmware {v}"},
         {"el wifi se desconecta cada pocos minutos desde el firmware {v}"}}}},
      {"error",
       "product_quality",
       {"WM-7", "CM-310", "VC-40"},
       true,
       {"E42", "E17", "F03", "H21"},
       {"Error {v}", "{v} error message", "{n} shows {v}"},
       {{{"the display shows error {v} and the {n} stops",
          "{n} stops in the middle with error code {v}",
          "getting {v} on the screen every time I start it",
          "error {v} keeps coming back even after a reset"},
         {"Fehlermeldung {v} im Display, die {n} bleibt stehen"},
         {"message d'erreur {v} sur l'ecran, la {n} s'arrete"},
         {"aparece el error {v} en la pantalla y la {n} se para"}}}},
      {"crackle",
       "product_quality",
       {"HP-5"},
       true,
       {""},
       {"Crackling sound", "Left ear crackles", "Static noise"},
       {{{"crackling noise in the left ear cup", "the left side of the {n} buzzes and crackles",
          "static crackle in one ear even with nothing playing",
          "left speaker crackles at any volume"},
         {"Knistern im linken Ohr der {n}"},
         {"gresillement dans l'oreille gauche du {n}"},
         {"ruido crepitante en el lado izquierdo de los {n}"}}}},
      {"suction",
       "product_quality",
       {"VC-40"},
       true,
       {""},
       {"No suction", "Suction loss", "Does not pick up dirt"},
       {{{"the {n} lost suction after two weeks",
          "barely picks up any dirt anymore, the suction is gone",
          "weak suction even with a clean filter and empty bin",
          "suction power dropped to almost nothing"},
         {"{n} hat kaum noch Saugkraft"},
         {"l'{n} n'aspire presque plus rien"},
         {"la {n} ya no aspira casi nada"}}}},
      {"crack",
       "product_quality",
       {"PH-10", "TB-8", "SW-3", "HP-5", "KT-200"},
       true,
       {""},
       {"Cracked housing", "Crack in casing", "Plastic cracked"},
       {{{"the plastic housing cracked near the hinge",
          "a crack appeared in the casing without dropping it",
          "hairline crack along the side of the {n} housing",
          "the casing split open at the seam on its own"},
         {"Gehaeuse ist am Scharnier gerissen, ohne Sturz"},
         {"le boitier s'est fissure pres de la charniere"},
         {"la carcasa se ha agrietado cerca de la bisagra"}}}},
      {"lid",
       "product_quality",
       {"KT-200", "CM-310"},
       true,
       {""},
       {"Lid won't close", "Lid pops open", "Broken lid"},
       {{{"the lid won't stay closed, it pops open while boiling",
          "lid hinge is loose and the lid opens by itself",
          "the lid latch broke and the lid springs open",
          "cannot close the lid properly, the catch does not hold"},
         {"Deckel geht beim Kochen von selbst auf"},
         {"le couvercle s'ouvre tout seul pendant l'ebullition"},
         {"la tapa se abre sola mientras hierve"}}}},
      {"depot",
       "shipping",
       {},
       false,
       {"Leipzig", "Rotterdam", "Lyon", "Graz", "Poznan"},
       {"Order not arrived", "Parcel stuck in {v}", "Where is my parcel"},
       {{{"my order has not arrived, tracking is stuck at the {v} depot",
          "the parcel has been sitting in the {v} hub for a week",
          "tracking says held at {v} distribution centre",
          "no movement on my delivery since it reached {v}"},
         {"Paket haengt seit einer Woche im Lager {v} fest"},
         {"mon colis est bloque a l'entrepot de {v}"},
         {"mi paquete esta parado en el almacen de {v}"}}}},
      {"damaged",
       "shipping",
       {},
       false,
       {"SwiftPost", "ParcelOne", "Expresso"},
       {"Arrived damaged", "Box crushed", "Damaged delivery"},
       {{{"the box arrived crushed and the {n} inside is broken, delivered by {v}",
          "{v} delivered my parcel badly damaged, the {n} is dented",
          "package from {v} was torn open and the {n} scratched",
          "courier {v} dropped the parcel, the {n} is smashed"},
         {"Paket von {v} kam zerdrueckt an, {n} beschaedigt"},
         {"colis livre par {v} ecrase, {n} abime"},
         {"el paquete de {v} llego aplastado y el {n} roto"}}}},
      {"double",
       "billing",
       {},
       false,
       {"PayPal", "Klarna", "Visa", "SEPA"},
       {"Charged twice", "Double payment", "Billed two times"},
       {{{"I was charged twice for my order through {v}",
          "two identical {v} payments for one purchase",
          "{v} shows a double charge for the same invoice", "my {v} account was debited two times"},
         {"der Betrag wurde ueber {v} doppelt abgebucht"},
         {"j'ai ete debite deux fois via {v}"},
         {"me han cobrado dos veces con {v}"}}}},
      {"manual",
       "documentation",
       {},
       true,
       {""},
       {"Manual wrong", "Instructions missing", "Wrong manual in box"},
       {{{"the manual in the box is for a different model",
          "instructions are missing the setup pages",
          "the quick start guide describes another product, not my {n}",
          "user manual pages about first use are blank"},
         {"die Bedienungsanleitung gehoert zu einem anderen Modell"},
         {"le mode d'emploi est celui d'un autre modele"},
         {"el manual de instrucciones es de otro modelo"}}}},
  };
  return list;
}

const std::vector<Topic>& topics() {
  static const std::vector<Topic> list = {
      {"shipping",
       {"Order status", "Delivery question", "When will it ship"},
       {{{"where is my order, I ordered it a few days ago", "when will my order ship",
          "can you give me an update on my delivery", "how long does delivery usually take"},
         {"wann wird meine Bestellung verschickt"},
         {"quand ma commande sera-t-elle expediee"},
         {"cuando llegara mi pedido"}}}},
      {"other",
       {"Change address", "New address", "Address update"},
       {{{"I need to change the delivery address for my order",
          "I moved house, please update my address",
          "wrong street on my account, can you correct it"},
         {"ich bin umgezogen, bitte Adresse aendern"},
         {"je dois changer l'adresse de livraison"},
         {"necesito cambiar la direccion de entrega"}}}},
      {"billing",
       {"Invoice copy", "Receipt needed", "Invoice"},
       {{{"please send me a copy of the invoice", "I need the receipt for my company expenses",
          "can I get an invoice with my company name"},
         {"bitte schicken Sie mir eine Kopie der Rechnung"},
         {"pouvez-vous m'envoyer la facture"},
         {"por favor envienme la factura"}}}},
      {"other",
       {"Login problem", "Password reset", "Account locked"},
       {{{"I cannot log into my account, the password reset email never comes",
          "forgot my password and the reset link has expired",
          "my account is locked after too many attempts"},
         {"ich kann mich nicht anmelden, Passwort vergessen"},
         {"je n'arrive pas a me connecter a mon compte"},
         {"no puedo entrar en mi cuenta"}}}},
      {"other",
       {"How to clean", "Descaling", "Cleaning question"},
       {{{"how do I descale the {n}", "what cleaning product should I use for the {n}",
          "is it safe to put parts of the {n} in the dishwasher"},
         {"wie entkalke ich den {n}"},
         {"comment detartrer la {n}"},
         {"como limpio el {n}"}}}},
      {"other",
       {"Warranty", "Guarantee question", "Warranty period"},
       {{{"how long is the warranty on the {n}", "is accidental damage covered by the guarantee",
          "do I need the receipt for a warranty claim"},
         {"wie lange ist die Garantie auf den {n}"},
         {"quelle est la duree de la garantie"},
         {"cuanto dura la garantia del {n}"}}}},
      {"other",
       {"Thank you", "Great product", "Compliment"},
       {{{"just wanted to say the {n} is great, love it",
          "very happy with the fast delivery and the {n}",
          "your colleague on the phone was really helpful yesterday"},
         {"der {n} ist super, vielen Dank"},
         {"tres contente de la {n}"},
         {"estoy muy contento con el {n}"}}}},
      {"other",
       {"Cancel order", "Cancellation", "Please cancel"},
       {{{"please cancel my order, I ordered by mistake", "I want to cancel before it ships",
          "cancel the second order, I placed it twice by accident"},
         {"bitte stornieren Sie meine Bestellung"},
         {"je voudrais annuler ma commande"},
         {"quiero cancelar mi pedido"}}}},
      {"other",
       {"Return", "Refund request", "Send back"},
       {{{"I want to return the {n}, it does not suit my needs",
          "how do I send the {n} back for a refund",
          "the colour of the {n} is not what I expected, can I exchange it"},
         {"ich moechte den {n} zuruecksenden"},
         {"je souhaite retourner la {n}"},
         {"quiero devolver el {n}"}}}},
      {"product_quality",
       {"Accident", "Dropped it", "Repair request"},
       {{{"I dropped my {n} and the screen cracked, can it be repaired",
          "my dog chewed the cable of the {n}", "spilled coffee on the {n}, is a repair possible",
          "the {n} fell off the table and now rattles"},
         {"der {n} ist mir runtergefallen, Reparatur moeglich"},
         {"j'ai fait tomber la {n}, reparation"},
         {"se me cayo el {n}, se puede reparar"}}}},
      {"other",
       {"Pairing help", "Bluetooth setup", "Connect to app"},
       {{{"how do I pair the {n} with my phone", "the app does not find the {n} during setup",
          "which app do I need for the {n}"},
         {"wie verbinde ich den {n} mit dem Handy"},
         {"comment connecter la {n} a l'application"},
         {"como conecto el {n} con la app"}}}},
      {"other",
       {"Spare parts", "Replacement filter", "Accessories"},
       {{{"where can I buy a replacement filter for the {n}", "do you sell spare parts for the {n}",
          "I need a second power cable for the {n}"},
         {"wo bekomme ich Ersatzteile fuer den {n}"},
         {"ou acheter des pieces de rechange"},
         {"donde compro repuestos para el {n}"}}}},
      {"other",
       {"Opening hours", "Shop question", "Store visit"},
       {{{"what are your opening hours on Saturday",
          "is there a shop in Hamburg where I can see the {n}",
          "can I pick up my order in a store"},
         {"wann haben Sie samstags geoeffnet"},
         {"quels sont vos horaires d'ouverture"},
         {"cual es el horario de la tienda"}}}},
      {"billing",
       {"Discount code", "Voucher problem", "Promo code"},
       {{{"my discount code does not work at checkout", "the newsletter voucher was not applied",
          "promo code says expired but the email says valid until Sunday"},
         {"mein Gutscheincode funktioniert nicht"},
         {"mon code promo ne fonctionne pas"},
         {"mi codigo de descuento no funciona"}}}},
      {"other",
       {"Availability", "New colours", "Restock"},
       {{{"will the {n} be available in red", "when is the {n} back in stock",
          "is a newer model of the {n} coming this year"},
         {"gibt es den {n} auch in rot"},
         {"la {n} sera-t-elle disponible en rouge"},
         {"el {n} estara disponible en rojo"}}}},
      {"other",
       {"Newsletter", "Unsubscribe", "Too many emails"},
       {{{"please stop sending me newsletters", "remove me from the mailing list",
          "I get three marketing emails a day, please unsubscribe me"},
         {"bitte keine Newsletter mehr"},
         {"merci de me desabonner de la newsletter"},
         {"quiero darme de baja del boletin"}}}},
      {"product_quality",
       {"Small issue", "Question about noise", "Minor defect"},
       {{{"the {n} makes a strange noise sometimes", "one button on the {n} feels a bit loose",
          "the colour of the {n} is slightly different from the website photo",
          "there is a small scratch on the {n}, not a big deal"},
         {"der {n} macht manchmal ein komisches Geraeusch"},
         {"la {n} fait parfois un bruit bizarre"},
         {"el {n} hace un ruido raro a veces"}}}},
      {"other",
       {"Privacy", "Delete my data", "GDPR request"},
       {{{"please delete my personal data", "what data do you store about me",
          "I want a copy of all my personal data"},
         {"bitte loeschen Sie meine Daten"},
         {"veuillez supprimer mes donnees personnelles"},
         {"borren mis datos personales por favor"}}}},
      {"other",
       {"Technician visit", "Appointment", "Installation"},
       {{{"the technician did not show up for the installation appointment",
          "can I move my installation appointment to next week", "do you install the {n} at home"},
         {"der Techniker ist nicht gekommen"},
         {"le technicien n'est pas venu"},
         {"el tecnico no vino a la cita"}}}},
      {"billing",
       {"Payment options", "Pay by invoice", "Instalments"},
       {{{"can I pay by invoice", "do you offer instalments for the {n}",
          "is paying with bank transfer possible"},
         {"kann ich auf Rechnung bezahlen"},
         {"puis-je payer en plusieurs fois"},
         {"puedo pagar a plazos"}}}},
      {"other",
       {"Product question", "Specifications", "Before buying"},
       {{{"what is the capacity of the {n}", "how heavy is the {n}",
          "does the {n} work with 110 volt"},
         {"wie schwer ist der {n}"},
         {"quelle est la capacite de la {n}"},
         {"cuanto pesa el {n}"}}}},
      {"product_quality",
       {"Usage tip", "Settings", "How to use"},
       {{{"how do I change the settings on the {n}", "how do I reset the {n} to factory settings",
          "the {n} display is in the wrong language, how do I change it"},
         {"wie setze ich den {n} zurueck"},
         {"comment reinitialiser la {n}"},
         {"como reinicio el {n}"}}}},
  };
  return list;
}

const Phrases& greetings() {
  static const Phrases list = {{{"Hi,", "Hello,", "Dear support,", "Good morning,", "", ""},
                                {"Hallo,", "Guten Tag,", "Sehr geehrte Damen und Herren,"},
                                {"Bonjour,", "Madame, Monsieur,"},
                                {"Hola,", "Buenos dias,"}}};
  return list;
}

const Phrases& fillers() {
  static const Phrases list = {
      {{"I bought it {w} weeks ago.", "This is the second time I contact you.", "Order number {o}.",
        "I use it every day.", "My wife noticed it first.", "It was a gift for my son.",
        "I have already tried turning it off and on.", "Really disappointed.",
        "I have been a customer for years.", "The receipt is attached."},
       {"Ich habe es vor {w} Wochen gekauft.", "Bestellnummer {o}.", "Ich bin sehr enttaeuscht."},
       {"J'ai achete ce produit il y a {w} semaines.", "Numero de commande {o}.", "Je suis decu."},
       {"Lo compre hace {w} semanas.", "Numero de pedido {o}.", "Estoy decepcionado."}}};
  return list;
}

const Phrases& closings() {
  static const Phrases list = {
      {{"Please send a replacement.", "I want a refund.", "What should I do?", "Can you help?",
        "Thanks, {c}", "Regards, {c}", "Please fix this.", ""},
       {"Viele Gruesse, {c}", "Bitte um Ersatz.", "Danke"},
       {"Cordialement, {c}", "Merci de m'aider."},
       {"Saludos, {c}", "Gracias"}}};
  return list;
}

const std::vector<std::string>& first_names() {
  static const std::vector<std::string> list = {"Anna",  "Ben",  "Chloe", "David", "Emma",  "Felix",
                                                "Grace", "Hugo", "Ines",  "Jonas", "Karin", "Luis",
                                                "Marie", "Nils", "Olga",  "Pablo", "Rosa",  "Sven"};
  return list;
}

void replace_all(std::string& text, const std::string& from, const std::string& to) {
  for (std::size_t at = text.find(from); at != std::string::npos;
       at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
}

// Keyboard slips: a dropped, doubled, swapped or neighbouring letter in some words.
std::string add_typos(const std::string& text, double rate, Random& random) {
  static const std::string keys = "qwertyuiopasdfghjklzxcvbnm";
  std::string out;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find(' ', start);
    if (end == std::string::npos) end = text.size();
    std::string word = text.substr(start, end - start);
    if (word.size() > 3 && random.chance(rate)) {
      const auto at = static_cast<std::size_t>(1 + random.below(static_cast<int>(word.size()) - 2));
      switch (random.below(4)) {
        case 0:
          word.erase(at, 1);
          break;
        case 1:
          word.insert(at, 1, word[at]);
          break;
        case 2:
          std::swap(word[at], word[at - 1]);
          break;
        default: {
          const auto k = keys.find(word[at]);
          if (k != std::string::npos) word[at] = keys[(k + 1) % keys.size()];
        }
      }
    }
    out += (out.empty() ? "" : " ") + word;
    start = end + 1;
  }
  return out;
}

std::string lower(std::string text) {
  for (auto& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

struct ProblemPlan {
  const Failure* failure;
  const Product* product;
  std::vector<std::string> batches;
  std::string variant;
  std::int64_t start;
  std::int64_t duration;
  int cases;
};

struct Writer {
  Random& random;
  int customer_pool;

  struct Draft {
    std::string subject;
    std::string body;
    std::string channel;
    Language language = en;
    int customer = 0;
  };

  Draft draft(const Phrases& text, const std::vector<std::string>& subjects, const Product& product,
              const std::string& variant) {
    Draft d;
    d.customer = 1 + random.below(customer_pool);
    // A customer keeps one language.
    const int roll = d.customer % 100;
    d.language = roll < 70 ? en : roll < 82 ? de : roll < 92 ? fr : es;
    const int channel = random.below(100);
    d.channel = channel < 30 ? "web" : channel < 65 ? "email" : channel < 85 ? "chat" : "sms";
    const Language lang = text[d.language].empty() ? en : d.language;
    std::string sentence = random.pick(text[lang]);
    // Sometimes the product is named, sometimes only "it".
    const std::string noun = random.chance(0.15) ? product.name : product.noun[lang];
    auto fill = [&](std::string s) {
      replace_all(s, "{n}", noun);
      replace_all(s, "{p}", product.name);
      replace_all(s, "{v}", variant);
      replace_all(s, "{o}", std::to_string(100000 + random.below(900000)));
      replace_all(s, "{w}", std::to_string(1 + random.below(9)));
      replace_all(s, "{c}", random.pick(first_names()));
      return s;
    };
    sentence = fill(sentence);
    if (d.channel == "sms") {
      d.body = lower(sentence);
      if (random.chance(0.3)) d.body += random.chance(0.5) ? " pls help" : " thx";
      d.body = add_typos(d.body, 0.08, random);
      d.subject = d.body.substr(0, std::min<std::size_t>(40, d.body.size()));
      return d;
    }
    const Phrases& own = greetings();
    std::string body = fill(random.pick(own[d.language]));
    body += (body.empty() ? "" : " ") + sentence + ".";
    const int extra = d.channel == "chat" ? random.below(2) : 1 + random.below(3);
    for (int i = 0; i < extra; ++i) body += " " + fill(random.pick(fillers()[d.language]));
    const std::string closing = fill(random.pick(closings()[d.language]));
    if (!closing.empty()) body += " " + closing;
    d.body = add_typos(body, d.channel == "chat" ? 0.05 : 0.02, random);
    if (d.channel == "chat") {
      d.subject = d.body.substr(0, std::min<std::size_t>(60, d.body.size()));
    } else if (d.channel == "email" && random.chance(0.3)) {
      d.subject = random.pick(
          std::vector<std::string>{"Problem", "Complaint", "Question", "Help", "Re: your order"});
    } else {
      d.subject = add_typos(fill(random.pick(subjects)), 0.02, random);
    }
    return d;
  }
};

const Product& product_by_sku(const std::string& sku) {
  for (const auto& p : products()) {
    if (p.sku == sku) return p;
  }
  return products().front();
}

}  // namespace

GeneratedStream generate_stream(const GeneratorSettings& settings) {
  Random random(settings.seed);
  GeneratedStream stream;
  std::vector<Product> catalogue = products();
  for (auto& product : catalogue) {
    const int count = 4 + random.below(3);
    for (int b = 0; b < count; ++b) {
      product.batches.push_back("B" + std::to_string(2401 + b * 3 + random.below(3)));
    }
  }
  auto catalogue_product = [&](const std::string& sku) -> const Product& {
    for (const auto& p : catalogue) {
      if (p.sku == sku) return p;
    }
    return product_by_sku(sku);
  };

  const std::int64_t begin = kEpoch;
  const std::int64_t warmup = std::min(settings.warmup_days, settings.days - 7) * kDay;
  const std::int64_t end = begin + settings.days * kDay;
  stream.history_end = begin + warmup;
  const int problem_count =
      settings.problems > 0 ? settings.problems : std::clamp(settings.cases / 1000, 8, 80);
  const int problem_cases = static_cast<int>(settings.cases * settings.problem_share);

  // Problems: sizes spread from small to large, each a failure of one product (and batches).
  std::vector<ProblemPlan> plans;
  std::vector<double> weights;
  double weight_sum = 0;
  std::vector<std::string> keys;
  for (int i = 0; i < problem_count; ++i) {
    // Problems that customers describe in the same words at the same time would be one
    // problem to anyone reading the contacts: each is a distinct failure, product (where the
    // text names it) and detail, and one failure does not run twice at once.
    const Failure* failure = nullptr;
    std::string sku;
    std::string variant;
    std::int64_t start = 0;
    std::int64_t duration = 0;
    for (int attempt = 0; attempt < 100; ++attempt) {
      failure =
          &failures()[static_cast<std::size_t>(random.below(static_cast<int>(failures().size())))];
      sku = failure->skus.empty() ? random.pick(catalogue).sku : random.pick(failure->skus);
      variant = random.pick(failure->variants);
      duration = (7 + random.below(40)) * kDay;
      const std::int64_t latest = std::max<std::int64_t>(end - duration - begin - warmup, kDay);
      start =
          begin + warmup + static_cast<std::int64_t>(random.unit() * static_cast<double>(latest));
      const bool names_product = !failure->skus.empty() || failure->batches;
      const std::string key = failure->key + "/" + variant + "/" + (names_product ? sku : "");
      bool clash = std::find(keys.begin(), keys.end(), key) != keys.end();
      for (const auto& other : plans) {
        clash |= other.failure == failure && other.start < start + duration &&
                 start < other.start + other.duration;
      }
      if (!clash || attempt == 99) {
        keys.push_back(key);
        break;
      }
    }
    const Product& product = catalogue_product(sku);
    ProblemPlan plan{failure, &product, {}, variant, start, duration, 0};
    if (failure->batches) {
      const int count = 1 + random.below(2);
      for (int b = 0; b < count; ++b) plan.batches.push_back(random.pick(product.batches));
      std::sort(plan.batches.begin(), plan.batches.end());
      plan.batches.erase(std::unique(plan.batches.begin(), plan.batches.end()), plan.batches.end());
    }
    const double w = 0.3 + random.unit() * random.unit() * 3;
    weights.push_back(w);
    weight_sum += w;
    plans.push_back(plan);
  }
  for (std::size_t i = 0; i < plans.size(); ++i) {
    plans[i].cases = std::max(8, static_cast<int>(problem_cases * weights[i] / weight_sum));
  }

  Writer writer{random, std::max(100, settings.cases / 3)};
  std::vector<GeneratedCase> cases;
  for (std::size_t i = 0; i < plans.size(); ++i) {
    const ProblemPlan& plan = plans[i];
    GeneratedProblem truth;
    truth.description = plan.failure->key + " " + plan.product->sku +
                        (plan.variant.empty() ? "" : " " + plan.variant) +
                        (plan.batches.empty() ? "" : " batches");
    for (const auto& b : plan.batches) truth.description += " " + b;
    truth.start = plan.start;
    truth.end = plan.start + plan.duration;
    truth.cases = plan.cases;
    stream.problems.push_back(truth);
    for (int k = 0; k < plan.cases; ++k) {
      // Contacts rise and fall over the problem's life (a triangular shape).
      const double u = (random.unit() + random.unit()) / 2;
      GeneratedCase c;
      c.truth = static_cast<int>(i);
      auto d =
          writer.draft(plan.failure->text, plan.failure->subjects, *plan.product, plan.variant);
      c.record.at = plan.start + static_cast<std::int64_t>(u * static_cast<double>(plan.duration));
      c.record.channel = d.channel;
      c.record.customer = "customer-" + std::to_string(d.customer);
      c.record.subject = d.subject;
      c.record.body = d.body;
      // Structured fields depend on the channel: the web form asks for them.
      const bool web = d.channel == "web";
      const bool email = d.channel == "email";
      if ((web && random.chance(0.8)) || (email && random.chance(0.3)) || random.chance(0.1)) {
        c.record.sku = plan.product->sku;
        if (!plan.batches.empty() && random.chance(web ? 0.5 : 0.2)) {
          c.record.batch = random.pick(plan.batches);
        }
      }
      if (web && random.chance(0.7)) {
        c.record.category = random.chance(0.85) ? plan.failure->category : "other";
      }
      cases.push_back(std::move(c));
    }
  }
  const int background = std::max(0, settings.cases - static_cast<int>(cases.size()));
  for (int k = 0; k < background; ++k) {
    const Topic& topic =
        topics()[static_cast<std::size_t>(random.below(static_cast<int>(topics().size())))];
    const Product& product =
        catalogue[static_cast<std::size_t>(random.below(static_cast<int>(catalogue.size())))];
    GeneratedCase c;
    auto d = writer.draft(topic.text, topic.subjects, product, "");
    c.record.at =
        begin + static_cast<std::int64_t>(random.unit() * static_cast<double>(end - begin));
    c.record.channel = d.channel;
    c.record.customer = "customer-" + std::to_string(d.customer);
    c.record.subject = d.subject;
    c.record.body = d.body;
    const bool web = d.channel == "web";
    if ((web && random.chance(0.6)) || random.chance(0.1)) {
      c.record.sku = product.sku;
      if (random.chance(0.3)) c.record.batch = random.pick(product.batches);
    }
    if (web && random.chance(0.7)) c.record.category = topic.category;
    cases.push_back(std::move(c));
  }
  std::stable_sort(cases.begin(), cases.end(),
                   [](const auto& a, const auto& b) { return a.record.at < b.record.at; });
  for (std::size_t i = 0; i < cases.size(); ++i)
    cases[i].record.id = static_cast<std::int64_t>(i + 1);
  stream.cases = std::move(cases);
  return stream;
}

}  // namespace cxloop::analytics::eval
